// End-to-end: faults that do what they say (issue 8, section 2), against the release build in
// dist/ (bash scripts/test.sh runs `trunk build --release` first).
//
// What it checks, through the DOM only:
//   - a fault button that cannot apply at the step shown is disabled, its reason in `title`
//     and in the text it is described by (aria-describedby), in English and Chinese;
//   - "Poison next message" is disabled in the article (its callback only prints) and, where
//     it is offered (the poison chapter), the poisoned message really fails and is
//     dead-lettered;
//   - "Drop next message" says the connection resets, and the narration of the step where
//     the producer dies says it died because of the lost frame;
//   - the injected faults are listed (what, step, ms) and each can be removed: the run is
//     rebuilt without it at the same step, and the URL / localStorage follow;
//   - the charts draw the series only up to the step shown;
//   - the verdict table in Chinese does not break words at 360 px or 1366 px.
// Screenshots go to target/e2e-artifacts/faults-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, waitForReady, artifactPath, servePage } from './harness.mjs';
import { assertClean, position, press, toEnd, seek, chooseChapter, setLang } from './page-helpers.mjs';

const CJK = /[\u4e00-\u9fff]/;
let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function shot(page, t, name) {
  const file = await artifactPath(name);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  t.diagnostic(`screenshot: ${file}`);
  return file;
}

async function stepNarration(page) {
  // The narration module may be on its way (fetched when a step first needs it).
  await waitForReady(page);
  return (await page.locator('#step-narration').textContent()) ?? '';
}

/** Each fault button: { key, disabled, title, described } (described: the aria-describedby text). */
async function faultButtons(page) {
  return page.$$eval('#faults button.fault', (bs) =>
    Object.fromEntries(
      bs.map((b) => [
        b.dataset.fault,
        {
          disabled: b.disabled,
          title: b.title,
          described: (b.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean).map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
        },
      ]),
    ),
  );
}

async function rows(page) {
  return page.$$eval('#messages tbody tr', (trs) => trs.map((tr) => ({ data: Number(tr.dataset.data), verdict: tr.dataset.verdict })));
}

/** The share code in the URL, decoded. */
async function shared(page) {
  const code = page.url().split('#run=')[1];
  return JSON.parse(Buffer.from(code, 'base64url').toString('utf8'));
}

// ---------------------------------------------------------------------------------------

test('faults: a fault that cannot apply is disabled and says why, in English and Chinese', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'faults-disabled', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer');
    let b = await faultButtons(page);
    for (const [key, button] of Object.entries(b)) {
      assert.ok(button.title.length > 0, `${key} has a title`);
      assert.equal(button.described, button.title, `${key} is described by the same text as its title`);
    }
    assert.equal(b.crash_consumer.disabled, false, 'at step 0 the consumer can be crashed');
    assert.equal(b.heal.disabled, true, 'nothing to heal at step 0');
    assert.match(b.heal.title, /not cut/);

    // At the end: the producer has finished; the consumer still consumes.
    await toEnd(page);
    b = await faultButtons(page);
    assert.equal(b.crash_producer.disabled, true, 'a finished producer cannot be crashed');
    assert.match(b.crash_producer.title, /producer is already down \(finished\)/);
    assert.equal(b.drop_next.disabled, true, 'a finished producer sends nothing to drop');
    assert.equal(b.crash_consumer.disabled, false);
    await page.click('#faults button.fault[data-fault="crash_consumer"]');
    await page.waitForFunction(() => document.querySelector('#faults button.fault[data-fault="crash_consumer"]')?.disabled);
    b = await faultButtons(page);
    assert.match(b.crash_consumer.title, /consumer is already down \(crashed\)/);
    assert.equal(b.partition.disabled, true, 'a crashed consumer has no network to cut');
    await page.click('#faults button.fault[data-fault="crash_broker"]');
    await page.waitForFunction(() => document.querySelector('#faults button.fault[data-fault="restart_broker"]')?.disabled);
    b = await faultButtons(page);
    assert.match(b.restart_broker.title, /rabbit@0 is already down/);
    assert.match(b.crash_broker.title, /rabbit@0 is already down/);
    await shot(page, t, 'faults-disabled-en.png');

    await setLang(page, 'zh');
    b = await faultButtons(page);
    for (const key of ['crash_consumer', 'crash_producer', 'restart_broker', 'crash_broker', 'heal', 'poison_next', 'drop_next']) {
      assert.equal(b[key].disabled, true, `${key} stays disabled in Chinese`);
      assert.match(b[key].title, CJK, `${key}'s reason is in Chinese: ${b[key].title}`);
      assert.equal(b[key].described, b[key].title);
    }
    assert.match(b.crash_consumer.title, /已经不在运行（已崩溃）/);
    await shot(page, t, 'faults-disabled-zh.png');
    assertClean(session);
  });
});

test('faults: poison is offered only where a callback can fail, and there the poisoned message fails', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'faults-poison', server.url('/'), async (session) => {
    const { page } = session;
    // A callback that prints, or sleeps `# process(message)`, has nothing that raises as shown.
    for (const chapter of ['declare', 'producer', 'consumer', 'consumer-crash', 'manual-ack']) {
      await chooseChapter(page, chapter);
      const b = await faultButtons(page);
      assert.equal(b.poison_next.disabled, true, `${chapter}: no process() that raises: nothing to poison`);
      assert.match(b.poison_next.title, /no consumer's code has a process\(\) that raises/);
    }
    await setLang(page, 'zh');
    assert.match((await faultButtons(page)).poison_next.title, /process\(\)/);
    await setLang(page, 'en');

    // The poison chapter: {'data': 3} fails by design; poison the first message as well.
    await chooseChapter(page, 'poison');
    let b = await faultButtons(page);
    assert.equal(b.poison_next.disabled, false, 'the poison chapter processes messages: poison is offered');
    assert.match(b.poison_next.title, /next message makes the consumer's processing fail/);
    await page.click('#faults button.fault[data-fault="poison_next"]');
    await page.locator('#injected li.injected').waitFor();
    await toEnd(page);
    const dead = (await rows(page)).filter((r) => r.verdict === 'dead_lettered').map((r) => r.data).sort((a, b) => a - b);
    assert.deepEqual(dead, [0, 3], 'the poisoned {\'data\': 0} failed three times and was dead-lettered, beside {\'data\': 3}');
    // The code says why: process() lists the poisoned payload beside the scenario's own.
    assert.match(await page.locator('#actors .actor[data-actor="consumer"] .code').textContent(), /if message\['data'\] in \[3, 0\]:/);
    t.diagnostic(`dead-lettered: ${dead}`);
    // At the end the producer has published everything: nothing left to poison.
    b = await faultButtons(page);
    assert.equal(b.poison_next.disabled, true);
    assert.match(b.poison_next.title, /producer (is already down|has already published all its messages)/);
    await shot(page, t, 'faults-poison.png');
    assertClean(session);
  });
});

test('faults: drop next message says the connection resets, and the narration says why the producer died', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'faults-drop', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'producer');
    const b = await faultButtons(page);
    assert.match(b.drop_next.title, /lose the producer's next frame; the TCP connection then resets, and a producer without retry exits/);
    // Step to the second publish's print, then drop the next frame (the third publish).
    const { steps } = await position(page);
    for (let i = 0; i < steps && !/Sent \{'data': 1\}/.test(await stepNarration(page)); i++) await page.click('#btn-step');
    assert.match(await stepNarration(page), /Sent \{'data': 1\}/);
    await page.click('#faults button.fault[data-fault="drop_next"]');
    await page.locator('#injected li.injected').waitFor();
    let lost = '';
    let died = '';
    for (let i = 0; i < steps && !died; i++) {
      await page.click('#btn-step');
      const said = await stepNarration(page);
      if (/network lost a frame/.test(said)) lost = said;
      if (/producer exited/.test(said)) died = said;
    }
    t.diagnostic(`lost: ${lost}`);
    t.diagnostic(`died: ${died}`);
    assert.match(lost, /network lost a frame from producer to rabbit@0; the TCP connection resets 20 ms later/);
    assert.match(died, /StreamLostError.*: the network lost its frame to rabbit@0 at \d+ ms, so the TCP connection reset, and nothing in its code retries/);
    await shot(page, t, 'faults-drop-en.png');
    await setLang(page, 'zh');
    const zh = await stepNarration(page);
    t.diagnostic(`died (zh): ${zh}`);
    assert.match(zh, /丢失了它发往 rabbit@0 的一帧，TCP 连接随之被重置/);
    await shot(page, t, 'faults-drop-zh.png');
    assertClean(session);
  });
});

test('faults: injected faults are listed with their step and time, and removing one re-runs without it', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'faults-remove', server.url('/'), async (session) => {
    const { page } = session;
    // Two consumers: after the first crashes, the second goes on, so the run does too.
    await chooseChapter(page, 'manual-ack');
    assert.equal(await page.locator('#injected').count(), 0, 'no list before any fault');
    // The chapter's own fault is listed, worded as the code line it follows.
    assert.equal(
      (await page.locator('#chapter-faults').textContent()).trim(),
      `The chapter's own faults (they stay when you inject yours): Crash consumer after consumer's 4th print(" [x] Received …")`,
    );
    await setLang(page, 'zh');
    assert.equal((await page.locator('#chapter-faults').textContent()).trim(), '本章自带的故障（注入你的故障后它们仍然生效）：在 consumer 第 4 次 print(" [x] Received …") 之后，杀死 consumer');
    await setLang(page, 'en');
    // Step until the consumer runs (the crash button is enabled then).
    const crash = page.locator('#faults button.fault[data-fault="crash_consumer"]');
    for (let i = 0; i < 200 && !((await page.getAttribute('.actor[data-actor="consumer"]', 'data-status')) === 'running' && (await crash.isEnabled())); i++) {
      await page.click('#btn-step');
    }
    const first = (await position(page)).step;
    await crash.click();
    await page.waitForFunction(() => document.querySelector('.actor[data-actor="consumer"]')?.dataset.status === 'crashed');
    // Crashed before its 4th print, the consumer never reaches the chapter's own crash: said.
    assert.match(await page.locator('#chapter-faults').textContent(), /Crash consumer after consumer's 4th print\(" \[x\] Received …"\) \(not reached in this run\)$/);
    const second = Math.min(first + 10, (await position(page)).steps);
    assert.ok(second > first, 'the run goes on after the crash');
    await seek(page, second);
    await page.click('#faults button.fault[data-fault="restart_broker"]');
    await page.waitForFunction(() => document.querySelectorAll('#injected li.injected').length === 2);
    const listed = await page.$$eval('#injected li.injected', (lis) => lis.map((li) => ({ step: li.dataset.step, ms: li.dataset.atMs, text: li.textContent })));
    t.diagnostic(`listed: ${JSON.stringify(listed)}`);
    assert.equal(listed[0].step, String(first));
    assert.equal(listed[1].step, String(second));
    assert.match(listed[0].text, new RegExp(`Crash consumer.*step ${first} · \\d+ ms`));
    assert.match(listed[1].text, new RegExp(`Restart rabbit@0.*step ${second} · \\d+ ms`));
    assert.equal((await shared(page)).faults.length, 2, 'the share code holds both faults');
    await shot(page, t, 'faults-injected.png');

    // Remove the crash: the consumer is alive at the same step, the broker restart stays.
    await page.click('#injected li.injected[data-index="0"] button.remove');
    await page.waitForFunction(() => document.querySelectorAll('#injected li.injected').length === 1);
    assert.equal((await position(page)).step, second, 'the position is kept');
    assert.notEqual(await page.getAttribute('.actor[data-actor="consumer"]', 'data-status'), 'crashed', 'the consumer is no longer crashed');
    assert.match(await page.locator('#injected li.injected').textContent(), /Restart rabbit@0/);
    const code = await shared(page);
    assert.equal(code.faults.length, 1, 'the URL follows the removal');
    assert.equal(await page.evaluate(() => localStorage.getItem('queue-playground')), page.url().split('#run=')[1], 'so does localStorage');
    await page.reload({ waitUntil: 'load' });
    await waitForReady(page);
    assert.equal(await page.locator('#injected li.injected').count(), 1, 'after a reload one fault is listed');
    assert.equal((await position(page)).step, second);

    // Remove the last one: the run as written, no list.
    await page.click('#injected li.injected[data-index="0"] button.remove');
    await page.waitForFunction(() => !document.querySelector('#injected'));
    assert.deepEqual((await shared(page)).faults, []);
    assert.equal((await position(page)).step, second);
    assertClean(session);
  });
});

test('charts: the series are drawn up to the step shown, not to the end of the run', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'faults-charts', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer-crash');
    const extent = () =>
      page.evaluate(() => {
        const xs = [...document.querySelectorAll('#charts polyline.series')].flatMap((p) =>
          (p.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).map((pt) => Number(pt.split(',')[0])),
        );
        return { right: Math.max(...xs), position: Number(document.querySelector('#charts line.position').getAttribute('x1')) };
      });
    const { steps } = await position(page);
    for (const step of [0, Math.floor(steps / 3), Math.floor((2 * steps) / 3)]) {
      await seek(page, step);
      const { right, position: x } = await extent();
      assert.ok(right <= x, `at step ${step} the lines end at the position (${right} <= ${x})`);
      assert.ok(right >= x, `at step ${step} the lines reach the position (${right} >= ${x})`);
    }
    await shot(page, t, 'faults-charts-mid.png');
    await toEnd(page);
    const end = await extent();
    assert.equal(end.right, end.position, 'at the end the lines reach the end');
    assertClean(session);
  });
});

test('verdict table: Chinese words are not broken at 360 px or 1366 px', { timeout: 300_000 }, async (t) => {
  for (const width of [360, 1366]) {
    await withPage(browser, `faults-table-${width}`, server.url('/'), async (session) => {
      const { page } = session;
      await chooseChapter(page, 'consumer-crash');
      await toEnd(page);
      await setLang(page, 'zh');
      // Every word (a run of CJK or of other non-space characters) of the short cells sits on one line.
      const broken = await page.evaluate(() => {
        const out = [];
        const cells = document.querySelectorAll('#messages th, #messages td.verdict-cell, #messages td.where, #messages td:first-child');
        for (const cell of cells) {
          const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const m of node.data.matchAll(/[^\s,，]+/g)) {
              const range = document.createRange();
              range.setStart(node, m.index);
              range.setEnd(node, m.index + m[0].length);
              const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
              if (tops.size > 1) out.push(`${m[0]} (${tops.size} lines)`);
            }
          }
        }
        return out;
      });
      await shot(page, t, `faults-page-zh-${width}.png`);
      // The table alone (clipped from the full page: the sticky transport bar would cover an
      // element screenshot).
      const box = await page.evaluate(() => {
        const r = document.querySelector('#verdicts').getBoundingClientRect();
        return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: Math.min(r.height, 1400) };
      });
      const file = await artifactPath(`faults-table-zh-${width}.png`);
      await page.screenshot({ path: file, fullPage: true, clip: box });
      t.diagnostic(`screenshot: ${file}`);
      assert.deepEqual(broken, [], `at ${width} px no word of the verdict table is broken across lines`);
      const sticks = await page.evaluate(() => document.querySelector('#messages').getBoundingClientRect().right - document.querySelector('#verdicts').getBoundingClientRect().right);
      assert.ok(sticks <= 1, `at ${width} px the table fits its panel (${sticks} px past it)`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `at ${width} px the page does not scroll sideways (${overflow} px)`);
      assertClean(session);
    }, { viewport: { width, height: 900 } });
  }
});
