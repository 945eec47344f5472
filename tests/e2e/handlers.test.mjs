// End-to-end: the article's §1, synchronous against asynchronous processing (issue 11), against
// the release build in dist/, in English and Chinese:
//   - the synchronous handler: every caller waits for the work before it (the figures under the
//     counts, Little's law with the run's own numbers); mid-run, the requests waiting for the
//     handler are pending and at the handler, never lost; crashing the handler is refused with
//     its reason, and the synchronous handler has no frame to drop;
//   - the fix: callers wait only for the publish (0.03 ms), two consumers keep up, and the
//     figures agree with `qp run` of the same share link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage, runCli } from './harness.mjs';
import { assertClean, seek, toEnd, chooseChapter, setLang } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

const LITTLE = {
  en: "Little's law: 30 requests in 900 ms is 33.333 a second; × 175 ms on average from a request's arrival to its processing = 5.83 requests in the system (arrived, not yet processed) on average",
  zh: '利特尔法则：900 毫秒内 30 个请求，即每秒 33.333 个；× 从请求到达到处理完平均 175 毫秒 = 平均 5.83 个请求在系统中（已到达、尚未处理）',
};

test('the synchronous handler: callers wait for the work before theirs; waiting requests are pending, not lost', { timeout: 300_000 }, async () => {
  await withPage(browser, 'sync-handler', server.url('/'), async (session) => {
    const { page } = session;
    for (const lang of ['en', 'zh']) {
      await setLang(page, lang);
      await chooseChapter(page, 'sync-handler');
      await toEnd(page);
      assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'effectively-once');
      assert.equal(await page.getAttribute('#timing-answers', 'data-answered'), '30');
      assert.equal(await page.getAttribute('#timing-answers', 'data-latency-us'), '170000 320000 320000', 'request i waits 30 + 10·i ms');
      assert.equal(await page.textContent('#timing-little'), LITTLE[lang]);
      assert.equal((await page.textContent('#counts li[data-count="published"]')).trim(), lang === 'en' ? '30 requests' : '30 个请求');
      await page.screenshot({ path: await artifactPath(`sync-handler-${lang}.png`), fullPage: true });
    }
    await setLang(page, 'en');
    // Step 60 (390 ms): requests 0-19 have arrived, 0-12 are answered, 7 wait for the handler.
    await seek(page, 60);
    assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'in-progress', 'waiting requests are not lost');
    assert.equal((await page.textContent('#counts li[data-count="pending"]')).trim(), '7 pending');
    assert.equal((await page.textContent('#counts li[data-count="lost"]')).trim(), '0 lost');
    const waiting = await page.$$eval('#messages tbody tr[data-verdict="pending"]', (trs) => trs.map((tr) => tr.dataset.where));
    assert.equal(waiting.length, 7);
    assert.ok(waiting.every((w) => w === 'at_handler'), waiting.join());
    assert.match(await page.textContent('#messages tbody tr[data-verdict="pending"] td:nth-child(3)'), /at its handler \(waiting, or being worked on\)/);
    // The handler cannot be crashed here, and sends nothing to drop: both say why.
    const crash = page.locator('#faults button.fault[data-fault="crash_producer"]');
    assert.equal(await crash.isDisabled(), true);
    assert.match(await crash.getAttribute('title'), /^handler is a request handler: what its callers would do while it is down is not modelled/);
    const drop = page.locator('#faults button.fault[data-fault="drop_next"]');
    assert.equal(await drop.isDisabled(), true);
    assert.match(await drop.getAttribute('title'), /sends nothing to the broker: there is no frame to drop/);
    await page.screenshot({ path: await artifactPath('sync-handler-step60.png'), fullPage: true });
    assertClean(session);
  });
});

test('the fix: callers wait for the publish only, two consumers keep up; the CLI report agrees', { timeout: 300_000 }, async () => {
  await withPage(browser, 'async-handler', server.url('/'), async (session) => {
    const { page } = session;
    for (const lang of ['en', 'zh']) {
      await setLang(page, lang);
      await chooseChapter(page, 'async-handler');
      await toEnd(page);
      assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'effectively-once');
      assert.equal(await page.getAttribute('#timing-answers', 'data-latency-us'), '30 30 30', 'the caller waits for basic_publish only');
      assert.equal(await page.getAttribute('#timing-overall', 'data-latency-us'), '30270 30440 30440');
      assert.match(await page.textContent('#timing-answers'), lang === 'en' ? /p50 0\.03 ms, p99 0\.03 ms, max 0\.03 ms$/ : /p50 0\.03 毫秒，p99 0\.03 毫秒，最大 0\.03 毫秒$/);
      assert.equal(await page.locator('#timing-consumers li').count(), 2);
      await page.screenshot({ path: await artifactPath(`async-handler-${lang}.png`), fullPage: true });
    }
    await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#run='), null, { timeout: 60_000 });
    const { timing } = await runCli(['run', '--share', (await page.inputValue('#share-link')).split('#run=')[1]]);
    assert.deepEqual(timing.answers, { answered: 30, latency_us: { p50: 30, p99: 30, max: 30 } });
    assert.equal(timing.overall.per_s_milli, 49159);
    assertClean(session);
  });
});
