// End-to-end: the article's §1, synchronous against asynchronous processing (issue 11), against
// the release build in dist/, in English and Chinese:
//   - the synchronous handler: every caller waits for the work before it (the figures under the
//     counts, Little's law with the run's own numbers); mid-run, the requests waiting for the
//     handler are pending and at the handler, never lost; crashing the handler is refused with
//     its reason, and the synchronous handler has no frame to drop;
//   - the fix: callers wait only for the publish (0.03 ms), two consumers keep up, and the
//     figures agree with `qp run` of the same share link;
//   - the callers' latency chart (#latency-chart): each answered caller's wait against the
//     time of its answer, drawn up to the step shown (its points, the last caller's wait and
//     the longest so far agree with #timing-answers); the synchronous wait climbs to 320 ms,
//     the queued one stays at 0.03 ms; a chapter without a request handler has no such chart;
//     screenshots at 390 and 1366 px wide.
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

/** What #latency-chart shows: its polyline's points, its legend's values (text and µs), its
 * name and axis' top label, the x of its rightmost point and of the position; null without it. */
async function latencyChart(page) {
  return page.evaluate(() => {
    const chart = document.querySelector('#latency-chart');
    if (!chart) return null;
    const pairs = (chart.querySelector('polyline.series[data-series="wait"]').getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean);
    const value = (series) => chart.querySelector(`.legend li[data-series="${series}"] .value`);
    return {
      points: pairs.length,
      right: Math.max(0, ...pairs.map((p) => Number(p.split(',')[0]))),
      position: Number(chart.querySelector('line.position').getAttribute('x1')),
      answered: chart.dataset.answered,
      last: value('last')?.textContent.trim() ?? null,
      lastUs: value('last')?.dataset.us ?? null,
      max: value('max')?.textContent.trim() ?? null,
      maxUs: value('max')?.dataset.us ?? null,
      legend: [...chart.querySelectorAll('.legend li')].map((li) => li.textContent.trim()),
      name: chart.querySelector('.chart-name').textContent,
      top: chart.querySelector('.axes text').textContent,
    };
  });
}

/** The chart agrees with the figures the page quotes under the counts (#timing-answers). */
async function assertAgrees(page, chart) {
  const answers = page.locator('#timing-answers');
  assert.equal(chart.answered, await answers.getAttribute('data-answered'));
  assert.equal(chart.maxUs, (await answers.getAttribute('data-latency-us')).split(' ')[2], 'the longest wait is the figures\' max');
  assert.ok(chart.right <= chart.position + 1, `drawn up to the position shown: ${chart.right} > ${chart.position}`);
}

const LATENCY_WORDS = {
  en: { name: "Each caller's wait, by when it was answered", last: 'last caller answered waited', max: 'longest wait so far', ms: 'ms' },
  zh: { name: '每个调用方的等待时间（按收到回复的时刻）', last: '最近收到回复的调用方等待了', max: '迄今最长等待', ms: '毫秒' },
};

test("the callers' latency chart: the synchronous wait climbs, the queued one stays at 0.03 ms; none without a handler", { timeout: 300_000 }, async () => {
  await withPage(browser, 'latency-chart', server.url('/'), async (session) => {
    const { page } = session;
    for (const lang of ['en', 'zh']) {
      const w = LATENCY_WORDS[lang];
      await page.setViewportSize({ width: 1366, height: 900 });
      await setLang(page, lang);
      // A chapter without a request handler has no callers, so no latency chart.
      await chooseChapter(page, 'consumer');
      await toEnd(page);
      assert.equal(await page.locator('#charts svg').count(), 1);
      assert.equal(await page.locator('#latency-chart').count(), 0, 'no request handler, no latency chart');

      await chooseChapter(page, 'sync-handler');
      let chart = await latencyChart(page);
      assert.equal(chart.points, 0, 'nothing answered yet');
      assert.equal(chart.answered, '0');
      assert.deepEqual([chart.last, chart.max], [null, null]);
      assert.equal(chart.name, w.name);
      // Step 60 (390 ms): requests 0-12 answered, request 12 after 150 ms.
      await seek(page, 60);
      chart = await latencyChart(page);
      assert.deepEqual([chart.points, chart.answered, chart.lastUs, chart.maxUs], [13, '13', '150000', '150000']);
      assert.deepEqual([chart.last, chart.max, chart.top], [`150 ${w.ms}`, `150 ${w.ms}`, `150 ${w.ms}`]);
      assert.deepEqual(chart.legend, [`${w.last} 150 ${w.ms}`, `${w.max} 150 ${w.ms}`]);
      await assertAgrees(page, chart);
      await page.locator('#latency-chart').scrollIntoViewIfNeeded();
      await page.screenshot({ path: await artifactPath(`latency-sync-step60-1366-${lang}.png`) });
      await toEnd(page);
      chart = await latencyChart(page);
      assert.deepEqual([chart.points, chart.answered, chart.last, chart.max, chart.top], [30, '30', `320 ${w.ms}`, `320 ${w.ms}`, `320 ${w.ms}`]);
      await assertAgrees(page, chart);
      await page.locator('#latency-chart').scrollIntoViewIfNeeded();
      await page.screenshot({ path: await artifactPath(`latency-sync-1366-${lang}.png`) });

      await chooseChapter(page, 'async-handler');
      // Step 150 (240 ms): requests 0-11 answered, each after 30 µs (tests/handlers.rs).
      await seek(page, 150);
      chart = await latencyChart(page);
      assert.deepEqual([chart.points, chart.answered, chart.last, chart.max], [12, '12', `0.03 ${w.ms}`, `0.03 ${w.ms}`]);
      await assertAgrees(page, chart);
      await toEnd(page);
      chart = await latencyChart(page);
      assert.deepEqual([chart.points, chart.answered, chart.lastUs, chart.maxUs], [30, '30', '30', '30']);
      // The axis is never shorter than 1 ms: 30 µs lies along its floor.
      assert.equal(chart.top, `1 ${w.ms}`);
      await assertAgrees(page, chart);
      await page.locator('#latency-chart').scrollIntoViewIfNeeded();
      await page.screenshot({ path: await artifactPath(`latency-async-1366-${lang}.png`) });

      // Narrow: the chart is redrawn 320 units wide, its text still at least 12 px, nothing
      // scrolls sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      await chooseChapter(page, 'sync-handler');
      await toEnd(page);
      await page.waitForFunction(() => document.querySelector('#latency-chart svg')?.getAttribute('viewBox').startsWith('0 0 320 '));
      const sizes = await page.$$eval('#latency-chart svg text, #latency-chart .legend li', (els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize) * (e instanceof SVGElement ? e.ownerSVGElement.getBoundingClientRect().width / e.ownerSVGElement.viewBox.baseVal.width : 1)));
      assert.ok(sizes.every((px) => px >= 11.9), `no chart text under 12 px: ${sizes.join()}`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'no sideways scroll');
      assert.equal((await latencyChart(page)).points, 30);
      await page.locator('#latency-chart').scrollIntoViewIfNeeded();
      await page.screenshot({ path: await artifactPath(`latency-sync-390-${lang}.png`) });
      await chooseChapter(page, 'async-handler');
      await toEnd(page);
      await page.locator('#latency-chart').scrollIntoViewIfNeeded();
      await page.screenshot({ path: await artifactPath(`latency-async-390-${lang}.png`) });
    }
    assertClean(session);
  });
});
