// End-to-end: the diagram shows the important moments (issue 8 §3), against dist/.
//
//   - no text under 12 px in the diagram and the charts, measured after the SVG's scaling
//     (font size × the text's screen transform), and no sideways scroll, at 360, 1366 and
//     1920 px; the diagram lays itself out top to bottom when narrow;
//   - a lost message leaves as a red ghost where it was lost, at the step it was lost (the
//     auto_ack consumer's deliveries when it crashes; transient messages in their queue when
//     the broker restarts), and is gone a step later;
//   - a queue on a down node is greyed and says "node down";
//   - a cut network link is drawn cut, and drawn whole again once healed;
//   - unacked deliveries and redelivered copies are marked, and a legend (English and
//     Chinese) says what each mark means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, position, seek, chooseChapter, setLang, press } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

/** Every visible text of the diagram and the charts with its size on screen, in CSS px. */
function textSizes(page) {
  return page.evaluate(() => {
    const out = [];
    for (const t of document.querySelectorAll('#diagram > svg text, #charts svg text')) {
      const ctm = t.getScreenCTM();
      if (!ctm || !t.textContent.trim() || t.getClientRects().length === 0) continue;
      out.push({ text: t.textContent.trim(), px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(ctm.a, ctm.b) });
    }
    for (const li of document.querySelectorAll('#diagram .legend li, #charts .legend li')) {
      out.push({ text: li.textContent.trim(), px: parseFloat(getComputedStyle(li).fontSize) });
    }
    return out;
  });
}

for (const width of [360, 1366, 1920]) {
  test(`at ${width} px no diagram or chart text is under 12 px and nothing scrolls sideways`, { timeout: 300_000 }, async () => {
    await withPage(browser, `diagram-fonts-${width}`, server.url('/'), async (session) => {
      const { page } = session;
      for (const [chapter, at] of [['consumer-crash', 'crash'], ['quorum', 0.5], ['manual-ack', 0.6], ['poison', 0.7]]) {
        await chooseChapter(page, chapter);
        if (at === 'crash') {
          await seek(page, 0);
          await page.click('#btn-next-mark');
          await page.waitForSelector('#diagram g.ghost');
        } else {
          const { steps } = await position(page);
          await seek(page, Math.floor(steps * at));
        }
        await page.waitForTimeout(100);
        const sizes = await textSizes(page);
        assert.ok(sizes.length > 10, `${chapter}: texts measured`);
        const small = sizes.filter((s) => s.px < 11.99);
        assert.deepEqual(small, [], `${chapter} at ${width} px: no text under 12 px`);
        const scroll = await page.evaluate(() => ({
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          diagram: document.querySelector('#diagram').scrollWidth - document.querySelector('#diagram').clientWidth,
          layout: document.querySelector('#diagram > svg').dataset.layout,
        }));
        assert.ok(scroll.page <= 0, `${chapter} at ${width} px: no sideways page scroll (${scroll.page} px)`);
        assert.ok(scroll.diagram <= 1, `${chapter} at ${width} px: the diagram does not scroll sideways (${scroll.diagram} px)`);
        assert.equal(scroll.layout, width < 700 ? 'narrow' : 'wide', `${chapter} at ${width} px: the layout`);
      }
      await page.locator('#diagram').screenshot({ path: await artifactPath(`diagram-${width}.png`) });
      assertClean(session);
    }, { viewport: { width, height: 900 } });
  });
}

test('a lost message leaves as a red ghost where it was lost, at that step only', { timeout: 300_000 }, async () => {
  await withPage(browser, 'diagram-ghosts', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer-crash');
    await seek(page, 0);
    await page.click('#btn-next-mark');
    const consumer = '#diagram g.consumer[data-actor="consumer"]';
    await page.waitForSelector(`${consumer} g.ghost`);
    const ghosts = await page.$$eval(`${consumer} g.ghost`, (gs) => gs.map((g) => ({ data: Number(g.dataset.data), lost: g.classList.contains('verdict-lost'), at: g.dataset.at })));
    const lost = await page.$$eval('#messages tr[data-verdict="lost"]', (trs) => trs.map((tr) => Number(tr.dataset.data)));
    assert.ok(ghosts.length >= 3, `ghosts at the crashed consumer: ${JSON.stringify(ghosts)}`);
    assert.ok(ghosts.every((g) => g.lost && g.at === 'consumer' && lost.includes(g.data)), `each ghost is a lost message, red: ${JSON.stringify(ghosts)} vs ${lost}`);
    assert.equal(await page.locator(`${consumer} rect.delivery`).count(), 0, 'the dead consumer holds nothing any more');
    await page.locator('#diagram').screenshot({ path: await artifactPath('diagram-ghosts-consumer.png') });
    await page.click('#btn-step');
    await page.waitForFunction(() => document.querySelectorAll('#diagram g.ghost').length === 0);

    // The broker restart drops the transient messages in their queue, greyed while its node is down.
    await chooseChapter(page, 'broker-restart');
    await seek(page, 0);
    await page.click('#btn-next-mark');
    let sawDown = false;
    let sawGhost = false;
    for (let i = 0; i < 40 && !sawGhost; i++) {
      const state = await page.evaluate(() => {
        const q = document.querySelector('#diagram g.queue[data-queue="test_queue"]');
        return { down: q.classList.contains('down'), label: q.querySelector('.down-label')?.textContent ?? null, ghosts: q.querySelectorAll('g.ghost.verdict-lost').length, node: document.querySelector('#diagram g.node[data-node="0"]').classList.contains('down') };
      });
      if (state.node) {
        assert.ok(state.down, 'while its node is down, the queue is greyed');
        assert.equal(state.label, 'node down');
        if (!sawDown) await page.locator('#diagram').screenshot({ path: await artifactPath('diagram-node-down.png') });
        sawDown = true;
      }
      if (state.ghosts > 0) {
        sawGhost = true;
        await page.locator('#diagram').screenshot({ path: await artifactPath('diagram-ghosts-queue.png') });
        break;
      }
      await page.click('#btn-step');
      await page.waitForTimeout(30);
    }
    assert.ok(sawDown, 'the node went down and its queue was greyed');
    assert.ok(sawGhost, 'the transient messages left their queue as red ghosts');

    // A publish lost on the network leaves at its producer.
    await chooseChapter(page, 'producer');
    await page.click('#faults button[data-fault="drop_next"]');
    let published = 0;
    for (let i = 0; i < 60 && !published; i++) {
      await page.click('#btn-step');
      published = await page.locator('#diagram g.producer[data-actor="producer"] g.ghost.verdict-lost[data-at="publish"]').count();
    }
    assert.equal(published, 1, 'the lost publish is a red ghost at the producer');
    await page.locator('#diagram').screenshot({ path: await artifactPath('diagram-ghost-publish.png') });
    assertClean(session);
  }, { viewport: { width: 1366, height: 900 } });
});

test('a cut link is drawn cut; unacked and redelivered copies are marked; the legend says so', { timeout: 300_000 }, async () => {
  await withPage(browser, 'diagram-marks', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer');
    await page.click('#btn-step');
    await page.click('#faults button[data-fault="partition"]');
    await page.click('#btn-step');
    await page.waitForSelector('#diagram path.edge.cut', { state: 'attached' });
    assert.ok(await page.locator('#diagram g.consumer[data-actor="consumer"].cut').count(), 'the consumer is marked cut');
    await page.locator('#diagram').screenshot({ path: await artifactPath('diagram-cut.png') });
    await page.click('#faults button[data-fault="heal"]');
    await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 2);
    if (await page.locator('#btn-step').isEnabled()) await page.click('#btn-step');
    await page.waitForFunction(() => !document.querySelector('#diagram path.edge.cut'));

    await chooseChapter(page, 'manual-ack');
    // Step until a consumer holds a delivery it has not acked.
    for (let i = 0; i < 200 && !(await page.locator('#diagram rect.delivery.unacked').count()); i++) await press(page, 'ArrowRight');
    assert.ok(await page.locator('#diagram g.msgbox rect.unacked-mark').count(), 'an unacked delivery is marked');
    // After the crash the requeued copies are redelivered.
    for (let i = 0; i < 300 && !(await page.locator('#diagram rect.redelivered').count()); i++) await press(page, 'ArrowRight');
    assert.ok(await page.locator('#diagram g.msgbox path.redelivered-mark').count(), 'a redelivered copy is marked');
    await page.locator('#diagram').screenshot({ path: await artifactPath('diagram-redelivered.png') });
    const legend = await page.$$eval('#diagram-legend li', (lis) => lis.map((li) => li.dataset.legend));
    assert.deepEqual(legend, ['persistent', 'transient', 'unacked', 'redelivered', 'lost']);
    await setLang(page, 'zh');
    const zh = await page.$$eval('#diagram-legend li', (lis) => lis.map((li) => li.textContent));
    assert.ok(zh.every((t) => /[\u4e00-\u9fff]/.test(t)), `the legend in Chinese: ${zh}`);
    assertClean(session);
  }, { viewport: { width: 1366, height: 900 } });
});

test('the diagram and the chart change layout when the window is resized', { timeout: 300_000 }, async () => {
  await withPage(browser, 'diagram-resize', server.url('/'), async (session) => {
    const { page } = session;
    assert.equal(await page.getAttribute('#diagram > svg', 'data-layout'), 'wide');
    await page.setViewportSize({ width: 360, height: 900 });
    await page.waitForFunction(() => document.querySelector('#diagram > svg').dataset.layout === 'narrow');
    await page.waitForFunction(() => document.querySelector('#charts svg').getAttribute('viewBox').startsWith('0 0 320 '));
    const small = (await textSizes(page)).filter((s) => s.px < 11.99);
    assert.deepEqual(small, [], 'no text under 12 px after the resize');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'no sideways scroll');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.waitForFunction(() => document.querySelector('#diagram > svg').dataset.layout === 'wide');
    assertClean(session);
  }, { viewport: { width: 1366, height: 900 } });
});
