// End-to-end: accessibility (issue 8, section 5), against the release build in dist/ (bash
// scripts/test.sh runs `trunk build --release` first).
//
// What it checks, through the DOM only:
//   - axe-core (node_modules/axe-core, from package-lock.json via `npm ci`), injected with
//     page.addScriptTag, finds no violation on the main states: the page at load, a chapter
//     mid-run, the end of a run with lost messages (consumer-crash), the Chinese page; on
//     failure it lists each rule id with its first nodes;
//   - the keyboard reaches code lines, verdict rows and event log entries, and Enter / Space
//     does what a click does (seek, select);
//   - the scrubber says where it is (`aria-valuetext`: "step 12 of 88, 1506 ms", and in Chinese);
//   - the live narration is quiet while playing and speaks on pause, and announces a verdict
//     change (a lost count appearing);
//   - at 1366×900 the narration, the diagram, the acting code line and the verdict summary are
//     on screen together; no horizontal scroll at 360 px and no text under 12 px.
// Screenshots go to target/e2e-artifacts/a11y-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, withPage, artifactPath, servePage } from './harness.mjs';
import { press, seek, toEnd, chooseChapter, setLang } from './page-helpers.mjs';

const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');
const CJK = /[\u4e00-\u9fff]/;
let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function shot(page, t, name, { fullPage = true } = {}) {
  const file = await artifactPath(name);
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage });
  t.diagnostic(`screenshot: ${file}`);
  return file;
}

async function positionOf(page) {
  const text = (await page.locator('#position').textContent()) ?? '';
  const m = /(\d+)\s*\/\s*(\d+)\D+(\d+)\s*ms/.exec(text);
  assert.ok(m, `#position reads "step N / M · T ms", got ${JSON.stringify(text)}`);
  return { step: Number(m[1]), steps: Number(m[2]), ms: Number(m[3]) };
}

/** Runs axe-core on the page; returns each violated rule id, its impact and first nodes. */
async function axeViolations(page, t, state) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  // Let the diagram's entry animation (250 ms) finish: colours are checked as rendered.
  await page.waitForTimeout(400);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(0, 2).join(' ')}`),
      count: v.nodes.length,
    }));
  });
  t.diagnostic(`axe on ${state}: ${result.length} violation(s)`);
  return result.map((v) => ({ state, ...v }));
}

/** Fails listing, per state, each violated rule id, its impact and first nodes. */
function assertNoViolations(found) {
  assert.deepEqual(
    found.map((v) => `${v.state}: ${v.id}`),
    [],
    'axe-core violations:\n' +
      found.map((v) => `- ${v.state}: ${v.id} (${v.impact}, ${v.count} node(s)): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n'),
  );
}

test('axe-core finds no violation on the main states (load, mid-run, the end of consumer-crash, Chinese)', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'a11y-axe', server.url('/'), async (session) => {
    const { page } = session;
    const found = [];
    found.push(...await axeViolations(page, t, 'the page at load'));
    await shot(page, t, 'a11y-load.png');

    await chooseChapter(page, 'consumer');
    const { steps } = await positionOf(page);
    await seek(page, Math.floor(steps / 2));
    found.push(...await axeViolations(page, t, 'the consumer chapter mid-run'));
    await shot(page, t, 'a11y-mid-run.png');

    await chooseChapter(page, 'consumer-crash');
    await toEnd(page);
    assert.ok(Number(await page.textContent('.counts [data-count=lost] .n')) > 0, 'the run lost messages');
    found.push(...await axeViolations(page, t, 'the end of consumer-crash (lost messages)'));
    await shot(page, t, 'a11y-end-lost.png');

    await setLang(page, 'zh');
    found.push(...await axeViolations(page, t, 'the Chinese page (end of consumer-crash)'));
    await shot(page, t, 'a11y-zh.png');
    await chooseChapter(page, 'declare');
    found.push(...await axeViolations(page, t, 'the Chinese page at the first chapter'));
    assertNoViolations(found);
    assert.deepEqual(session.problems(), [], 'no console error, page error or failed request');
  });
});

test('keyboard: code lines, verdict rows and event log entries act on Enter and Space', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'a11y-keyboard', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'producer');
    const line = page.locator('.actor[data-actor="producer"] .code .line', { hasText: 'basic_publish' }).first();
    assert.equal(await line.getAttribute('tabindex'), '0', 'a code line is in the tab order');
    const before = await positionOf(page);
    await line.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /basic_publish/.test(document.querySelector('.actor[data-actor="producer"] .code .line.current')?.textContent ?? ''));
    assert.notEqual((await positionOf(page)).step, before.step, 'Enter on a code line seeks to where it runs');

    await chooseChapter(page, 'consumer-crash');
    await toEnd(page);
    const end = await positionOf(page);
    const row = page.locator('#messages tr.verdict-row[data-verdict="lost"]').first();
    assert.equal(await row.getAttribute('tabindex'), '0', 'a verdict row is in the tab order');
    await row.focus();
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('#messages tr.selected') && document.querySelector('#event-log.journey'));
    assert.equal(await page.getAttribute('#messages tr.selected', 'aria-selected'), 'true');
    assert.equal((await positionOf(page)).step, end.step, 'Space on a row selects it and does not play');
    assert.equal(await page.textContent('#btn-play'), 'Play', 'still paused');

    const entry = page.locator('#event-log li[data-event]').last();
    assert.equal(await entry.getAttribute('tabindex'), '0', 'an event log entry is in the tab order');
    await entry.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((s) => !new RegExp(`\\b${s}\\s*/`).test(document.querySelector('#position')?.textContent ?? ''), end.step);
    assert.ok((await positionOf(page)).step < end.step, 'Enter on an event seeks back to it');

    // Scrollable panels take focus, so they can be scrolled with the keyboard.
    for (const sel of ['.actor .terminal', '#actors .code']) {
      assert.equal(await page.getAttribute(sel, 'role'), 'region', `${sel} is a labelled region`);
      assert.ok(await page.getAttribute(sel, 'aria-label'), `${sel} has a label`);
    }
    assert.equal(await page.getAttribute('.actor .terminal', 'tabindex'), '0');
    await shot(page, t, 'a11y-keyboard.png');
    assert.deepEqual(session.problems(), [], 'no console error, page error or failed request');
  });
});

test('the scrubber says where it is, the live narration is quiet while playing, verdict changes are announced', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'a11y-live', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer-crash');
    await seek(page, 12);
    const { step, steps, ms } = await positionOf(page);
    assert.equal(await page.getAttribute('#scrubber', 'aria-valuetext'), `step ${step} of ${steps}, ${ms} ms`);
    assert.equal(await page.getAttribute('#step-narration', 'aria-live'), 'polite');
    assert.equal((await page.textContent('#verdict-live')).trim(), '', 'nothing bad to announce yet');

    await page.click('#btn-play');
    await page.waitForFunction(() => document.querySelector('#step-narration')?.getAttribute('aria-live') === 'off');
    await page.waitForTimeout(600);
    await page.click('#btn-play');
    await page.waitForFunction(() => document.querySelector('#step-narration')?.getAttribute('aria-live') === 'polite');
    const paused = await positionOf(page);
    assert.equal((await page.textContent('#pause-announcement')).trim(), `step ${paused.step} of ${paused.steps}, ${paused.ms} ms`, 'the pause says where');
    await press(page, 'ArrowRight');
    await page.waitForFunction(() => document.querySelector('#pause-announcement')?.textContent.trim() === '');

    await toEnd(page);
    assert.match(await page.textContent('#verdict-live'), /\d+ lost/, 'the lost count is announced');

    await setLang(page, 'zh');
    assert.match(await page.getAttribute('#scrubber', 'aria-valuetext'), /^第 \d+ 步，共 \d+ 步，\d+ 毫秒$/);
    assert.match(await page.getAttribute('#scrubber', 'aria-label'), CJK, 'the scrubber label is Chinese');
    assert.equal((await page.textContent('#status')).trim(), '就绪', 'the status is Chinese');
    assert.equal(await page.getAttribute('#status', 'data-status'), 'ready');
    assert.match(await page.textContent('#verdict-live'), /丢失 \d+ 条/);
    const places = await page.$$eval('#verdicts td.where', (tds) => tds.map((td) => td.textContent));
    assert.ok(places.every((p) => !p.includes(', ')), `Chinese places use full-width commas: ${places.join(' | ')}`);
    await seek(page, 12);
    const queued = await page.$$eval('#verdicts tr[data-where^="queued"] td.where', (tds) => tds.map((td) => td.textContent));
    assert.ok(queued.length > 0 && queued.every((p) => /^在 test_queue 中排队/.test(p)), `a queued message is placed in its queue: ${queued.join(' | ')}`);
    await shot(page, t, 'a11y-zh-where.png');
    assert.deepEqual(session.problems(), [], 'no console error, page error or failed request');
  });
});
