// End-to-end: the article's §5, latency against throughput (issue 11), against the release
// build in dist/, in English and Chinese: the chapter's sweep panel runs the chapter at every
// point of its grid (prefetch 1, 10, 100 × 1, 2, 4 consumers) a slice at a time, its points'
// figures are `qp sweep --json`'s, a point (the chart's circle, by keyboard too) opens the run
// at that point, and a long sweep (100,000 messages a point) shows its progress and stops when
// cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage, runCli } from './harness.mjs';
import { assertClean, toEnd, chooseChapter, setLang } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

const FIELDS = ['prefetch', 'consumers', 'ackEvery', 'processed', 'perSMilli', 'p50Us', 'p99Us', 'maxUs'];

async function points(page, selector = '#sweep-chart circle.sweep-point') {
  const rows = await page.$$eval(selector, (els, fields) => els.map((el) => Object.fromEntries(fields.map((f) => [f, Number(el.dataset[f])]))), FIELDS);
  return rows.sort((a, b) => a.prefetch - b.prefetch || a.consumers - b.consumers);
}

test('the sweep panel: the points are qp sweep’s, in both languages; a point opens its run', { timeout: 600_000 }, async () => {
  const cli = await runCli(['sweep', '--catalog', 'latency-throughput', '--prefetch', '1,10,100', '--consumers', '1,2,4', '--json']);
  const wanted = cli
    .map((o) => ({ prefetch: o.prefetch, consumers: o.consumers, ackEvery: o.ack_every, processed: o.processed, perSMilli: o.per_s_milli, p50Us: o.p50_us, p99Us: o.p99_us, maxUs: o.max_us }))
    .sort((a, b) => a.prefetch - b.prefetch || a.consumers - b.consumers);
  assert.equal(wanted.length, 9);
  assert.deepEqual(wanted[0], { prefetch: 1, consumers: 1, ackEvery: 1, processed: 1000, perSMilli: 440496, p50Us: 1120200, p99Us: 2217800, maxUs: 2240200 });
  await withPage(browser, 'sweep', server.url('/'), async (session) => {
    const { page } = session;
    for (const lang of ['en', 'zh']) {
      await setLang(page, lang);
      await chooseChapter(page, 'latency-throughput');
      await page.waitForSelector('#sweep #sweep-run');
      assert.match(await page.textContent('#sweep-title'), lang === 'en' ? /throughput against p99 latency/ : /吞吐量与 p99 延迟/);
      assert.match(await page.textContent('#tour .chapter-narration'), /440\.496/);
      await page.click('#sweep-run');
      await page.waitForFunction(() => document.querySelector('#sweep')?.dataset.status === 'done', null, { timeout: 120_000 });
      assert.equal(await page.getAttribute('#sweep-progress', 'value'), '1000');
      assert.deepEqual(await points(page), wanted, 'the chart is qp sweep --json');
      assert.deepEqual(await points(page, '#sweep-table tr.sweep-row'), wanted, 'the table is too');
      assert.match(await page.textContent('#sweep-status'), lang === 'en' ? /^Done: 9 points\.$/ : /^完成：9 个点。$/);
      assert.match(await page.textContent('#sweep-chart'), lang === 'en' ? /p99 latency \(ms\)/ : /p99 延迟（毫秒）/);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), 'nothing scrolls sideways');
      await page.locator('#sweep').screenshot({ path: await artifactPath(`sweep-panel-${lang}.png`) });
      await page.screenshot({ path: await artifactPath(`sweep-${lang}.png`), fullPage: true });
    }
    await setLang(page, 'en');
    // A click on prefetch 10 × 4 consumers opens that run: the settings panel shows it, and the
    // run's own figures at its end are the point's.
    // Prefetch 100's point is the same (the window past the round trip adds nothing): drawn
    // smaller, on top; prefetch 10's shows as a ring around it, clicked on the ring.
    const ring = page.locator('#sweep-chart circle.sweep-point[data-prefetch="10"][data-consumers="4"]');
    await ring.scrollIntoViewIfNeeded();
    const box = await ring.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2 - 6);
    await page.waitForFunction(() => document.querySelector('input[name="consumers"]')?.value === '4' && document.querySelector('input[name="prefetch_count"]')?.value === '10');
    await page.waitForSelector('#sweep-chart circle.sweep-point.current[data-prefetch="10"][data-consumers="4"]');
    await toEnd(page);
    const p10x4 = wanted.find((p) => p.prefetch === 10 && p.consumers === 4);
    assert.equal(await page.getAttribute('#timing-overall', 'data-per-s-milli'), String(p10x4.perSMilli));
    assert.equal(await page.getAttribute('#timing-overall', 'data-latency-us'), `${p10x4.p50Us} ${p10x4.p99Us} ${p10x4.maxUs}`);
    assert.match(await page.textContent('#title-note'), /prefetch_count=1, .*consumers=1; you changed: prefetch_count=10, .*consumers=4/);
    await page.screenshot({ path: await artifactPath('sweep-opened.png'), fullPage: true });
    // The keyboard: a point is focusable, and Enter opens it.
    const p1x2 = page.locator('#sweep-chart circle.sweep-point[data-prefetch="1"][data-consumers="2"]');
    await p1x2.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('input[name="consumers"]')?.value === '2' && document.querySelector('input[name="prefetch_count"]')?.value === '1');
    assertClean(session);
  });
});

test('a long sweep shows its progress and stops when cancelled; the page stays responsive', { timeout: 600_000 }, async () => {
  await withPage(browser, 'sweep-cancel', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'latency-throughput');
    await page.waitForSelector('#sweep #sweep-run');
    await page.selectOption('#sweep-messages', '100000');
    await page.click('#sweep-run');
    await page.waitForFunction(() => Number(document.querySelector('#sweep-status')?.dataset.permille) > 0, null, { timeout: 60_000 });
    assert.equal(await page.getAttribute('#sweep', 'data-status'), 'running');
    // Responsive while it runs: the language switch answers at once.
    const started = Date.now();
    await setLang(page, 'zh');
    assert.ok(Date.now() - started < 5_000, `the language switch took ${Date.now() - started} ms`);
    assert.match(await page.textContent('#sweep-status'), /^运行中：/);
    await page.screenshot({ path: await artifactPath('sweep-running.png'), fullPage: true });
    await page.click('#sweep-cancel');
    await page.waitForFunction(() => document.querySelector('#sweep')?.dataset.status === 'cancelled');
    const at = await page.getAttribute('#sweep-progress', 'value');
    assert.ok(Number(at) > 0 && Number(at) < 1000, at);
    await page.waitForTimeout(1_500);
    assert.equal(await page.getAttribute('#sweep-progress', 'value'), at, 'the progress bar stopped');
    assert.match(await page.textContent('#sweep-status'), /^已在 .*% 处取消/);
    assert.equal(await page.isEnabled('#sweep-run'), true);
    await page.screenshot({ path: await artifactPath('sweep-cancelled.png'), fullPage: true });
    assertClean(session);
  });
});
