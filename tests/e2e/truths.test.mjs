// End-to-end: small truths of the page (issue 8 §3), against the release build in dist/.
//
//   - a terminal shows whole lines: the top edge of a scrolled terminal is a line's top;
//   - the time readout never reads past the run's last event (at the end it is that event's
//     time, the newest entry of the event log);
//   - the title stays true of the settings on screen: after auto_ack is switched off in the
//     consumer-crash chapter, a note beside "(auto_ack=True)" names the change, in English
//     and in Chinese;
//   - switching chapters (or a reset) never drops injected faults silently: a notice says
//     how many were cleared and brings them back;
//   - in the quorum chapter each of the three nodes can be restarted and crashed;
//   - the poison chapter's dead letter is narrated with the x-death RabbitMQ gives it, in
//     English and in Chinese.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, position, seek, toEnd, chooseChapter, setLang } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function setSetting(page, name, value) {
  await page.locator(`#settings input[name="${name}"]`).setChecked(value);
  await page.evaluate(() => document.activeElement?.blur?.());
}

test('terminals show whole lines, and the time readout stops at the last event', { timeout: 300_000 }, async () => {
  await withPage(browser, 'truths-terminal', server.url('/'), async (session) => {
    const { page } = session;
    const chapters = await page.$$eval('#tour button.chapter', (bs) => bs.map((b) => b.dataset.chapter));
    let overflowing = 0;
    for (const chapter of chapters) {
      await chooseChapter(page, chapter);
      const end = await toEnd(page);
      const newest = await page.$$eval('#event-log li .at', (ats) => Math.max(...ats.map((a) => parseInt(a.textContent, 10))));
      assert.equal(end.ms, newest, `${chapter}: at the end the readout is the last event's time`);
      assert.match(await page.getAttribute('#scrubber', 'aria-valuetext'), new RegExp(`, ${newest} ms$`), `${chapter}: so is the scrubber's text`);
      const terminals = await page.$$eval('.actor .terminal', (ts) =>
        ts.map((t) => {
          const span = t.firstElementChild;
          const style = getComputedStyle(t);
          const lineHeight = parseFloat(style.lineHeight);
          const visibleTop = t.getBoundingClientRect().top + parseFloat(style.borderTopWidth);
          const textTop = span.getBoundingClientRect().top + parseFloat(getComputedStyle(span).paddingTop);
          return { overflows: t.scrollHeight > t.clientHeight + 1, cut: ((visibleTop - textTop) % lineHeight + lineHeight) % lineHeight, lineHeight };
        }),
      );
      for (const t of terminals.filter((t) => t.overflows)) {
        overflowing += 1;
        assert.ok(t.cut < 1 || t.cut > t.lineHeight - 1, `${chapter}: the top line of a full terminal is whole (cut ${t.cut} of ${t.lineHeight} px)`);
      }
    }
    assert.ok(overflowing > 0, 'some terminal was full enough to scroll');
    await page.screenshot({ path: await artifactPath('truths-terminal.png') });
    assertClean(session);
  }, { viewport: { width: 1366, height: 900 } });
});

test('in the compact embed a full terminal shows whole lines too', { timeout: 300_000 }, async () => {
  await withPage(browser, 'truths-terminal-embed', `${server.url('/')}?embed=1`, async (session) => {
    const { page } = session;
    await toEnd(page);
    const t = await page.$eval('.actor .terminal', (t) => {
      const span = t.firstElementChild;
      const style = getComputedStyle(t);
      const lineHeight = parseFloat(style.lineHeight);
      const visibleTop = t.getBoundingClientRect().top + parseFloat(style.borderTopWidth);
      const textTop = span.getBoundingClientRect().top + parseFloat(getComputedStyle(span).paddingTop);
      return { overflows: t.scrollHeight > t.clientHeight + 1, cut: ((visibleTop - textTop) % lineHeight + lineHeight) % lineHeight, lineHeight };
    });
    assert.ok(t.overflows, 'the terminal is full');
    assert.ok(t.cut < 1 || t.cut > t.lineHeight - 1, `the top line is whole (cut ${t.cut} of ${t.lineHeight} px)`);
    assertClean(session);
  }, { viewport: { width: 380, height: 900 } });
});

test('the title is true of the settings on screen, in both languages', { timeout: 300_000 }, async () => {
  await withPage(browser, 'truths-title', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer-crash');
    assert.match(await page.locator('#chapter-title').textContent(), /auto_ack=True/);
    assert.equal(await page.locator('#title-note').count(), 0, 'no note with the chapter as written');
    await setSetting(page, 'auto_ack', false);
    await page.waitForSelector('#title-note');
    assert.equal(await page.locator('#title-note').textContent(), 'as written: auto_ack=True; you changed: auto_ack=False');
    await page.screenshot({ path: await artifactPath('truths-title-en.png') });
    await setLang(page, 'zh');
    assert.equal(await page.locator('#title-note').textContent(), '原文：auto_ack=True；你改为：auto_ack=False');
    await page.screenshot({ path: await artifactPath('truths-title-zh.png') });
    await setLang(page, 'en');
    await setSetting(page, 'auto_ack', true);
    await page.waitForFunction(() => !document.querySelector('#title-note'));
    assert.match(await page.locator('#chapter-title').textContent(), /auto_ack=True/);
    assertClean(session);
  });
});

test('a chapter switch or a reset says which injected faults it cleared and brings them back', { timeout: 300_000 }, async () => {
  await withPage(browser, 'truths-cleared', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer-crash');
    await seek(page, 10);
    await page.click('#faults button[data-fault="crash_producer"]');
    await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 1);
    await seek(page, 15);
    await page.click('#faults button[data-fault="restart_broker"]');
    await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 2);
    const before = await page.$$eval('#injected li', (lis) => lis.map((li) => li.querySelector('.what').textContent));
    const step = (await position(page)).step;
    await chooseChapter(page, 'manual-ack');
    const notice = page.locator('#faults-cleared');
    await notice.waitFor();
    assert.match(await notice.textContent(), /2 injected faults of “What if the consumer crashes\? \(auto_ack=True\)” were cleared/);
    assert.equal(await page.locator('#injected li').count(), 0, 'the new chapter has none');
    await page.screenshot({ path: await artifactPath('truths-cleared.png') });
    await page.click('#restore-faults');
    await page.waitForFunction(() => document.querySelector('#tour button.chapter.current')?.dataset.chapter === 'consumer-crash');
    const after = await page.$$eval('#injected li', (lis) => lis.map((li) => li.querySelector('.what').textContent));
    assert.deepEqual(after, before, 'the faults are back');
    assert.equal((await position(page)).step, step, 'at the same step');
    assert.equal(await notice.count(), 0, 'the notice is gone');
    // A reset says so too.
    await page.click('#btn-reset');
    await notice.waitFor();
    assert.match(await notice.textContent(), /Reset cleared 2 injected faults/);
    await setLang(page, 'zh');
    assert.match(await notice.textContent(), /重置清除了注入的 2 个故障/);
    await page.click('#faults-cleared button.dismiss');
    await page.waitForFunction(() => !document.querySelector('#faults-cleared'));
    assertClean(session);
  });
});

test('in the quorum chapter each node can be restarted and crashed', { timeout: 300_000 }, async () => {
  await withPage(browser, 'truths-quorum', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'quorum');
    await seek(page, 5);
    const buttons = await page.$$eval('#faults button[data-node]', (bs) => bs.map((b) => `${b.dataset.node}:${b.textContent}`));
    assert.deepEqual(buttons, ['0:Restart rabbit@0', '0:Crash rabbit@0', '1:Restart rabbit@1', '1:Crash rabbit@1', '2:Restart rabbit@2', '2:Crash rabbit@2']);
    await page.click('#faults button[data-fault="crash_node"][data-node="2"]');
    await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 1);
    assert.match(await page.locator('#injected li .what').textContent(), /Crash rabbit@2/);
    await page.click('#btn-step');
    await page.waitForSelector('#diagram g.node[data-node="2"].down');
    assert.equal(await page.locator('#diagram g.node.down').count(), 1, 'only rabbit@2 is down');
    assert.ok(await page.locator('#faults button[data-fault="crash_node"][data-node="2"]').isDisabled(), 'a down node cannot crash again');
    assert.ok(await page.locator('#faults button[data-fault="crash_node"][data-node="1"]').isEnabled(), 'another node still can');
    await page.screenshot({ path: await artifactPath('truths-quorum.png') });
    assertClean(session);
  }, { viewport: { width: 1366, height: 900 } });
});

test('the poison chapter narrates its dead letter with its x-death, in English and Chinese', { timeout: 300_000 }, async () => {
  await withPage(browser, 'truths-x-death', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'poison');
    await toEnd(page);
    await page.click('#messages tr.verdict-row[data-verdict="dead_lettered"]');
    await page.waitForFunction(() => document.querySelector('#messages tr.selected') && document.querySelector('#event-log.journey'));
    const journey = async () => page.$$eval('#event-log li[data-event]', (lis) => lis.map((li) => li.textContent));
    const en = await journey();
    assert.ok(
      en.some((line) => /\{'data': 3\} was dead-lettered to dead_letters; x-death: rejected ×1 in test_queue$/.test(line)),
      `the dead-lettering names its x-death: ${JSON.stringify(en)}`,
    );
    assert.ok(!en.some((line) => /delivered .*x-death/.test(line)), 'its deliveries from test_queue carry none');
    await page.screenshot({ path: await artifactPath('truths-x-death.png') });
    await setLang(page, 'zh');
    const zh = await journey();
    assert.ok(zh.some((line) => /进入死信队列 dead_letters；x-death：在 test_queue 中 rejected ×1$/.test(line)), JSON.stringify(zh));
    assertClean(session);
  }, { viewport: { width: 1366, height: 900 } });
});
