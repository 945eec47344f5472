// End-to-end: cause and effect on one screen (issue 8 §3), against the release build in dist/.
//
// At 1366×900, without scrolling the page: the step's narration, the broker diagram, the
// code of the actor that acted last (`.actor.acting`) with its marked line (`.line.current`
// while it runs, `.line.died` once it crashed, stopped or failed, `.line.ended` once it
// finished) and the verdict summary
// (label and counts) are all inside the viewport, in chapters with two and three programs and
// at several moments. The marked line is inside its own code box (the box scrolled, not the
// page). Clicking a cause in the verdict table seeks to its event and brings the narration
// and the diagram into view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, position, seek, toEnd, chooseChapter, setLang } from './page-helpers.mjs';

const VIEWPORT = { width: 1366, height: 900 };
let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

/** Where the parts that must be seen together are, in viewport coordinates. */
function layout(page) {
  return page.evaluate(() => {
    const box = (el) => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    };
    const acting = document.querySelector('#actors .actor.acting');
    const line = acting?.querySelector('.line.current, .line.died, .line.ended');
    return {
      scrollY: window.scrollY,
      vw: window.innerWidth,
      vh: window.innerHeight,
      narration: box(document.querySelector('#step-narration')),
      diagram: box(document.querySelector('#diagram svg')),
      summary: box(document.querySelector('#verdict-summary')),
      counts: box(document.querySelector('#counts')),
      acting: acting?.dataset.actor ?? null,
      // 0 before the program reached its first line (just started): nothing to mark yet.
      actingLine: Number(acting?.dataset.line ?? 0),
      actingStatus: acting?.dataset.status ?? null,
      line: box(line),
      lineKind: line ? ['died', 'ended', 'current'].find((k) => line.classList.contains(k)) : null,
      code: box(line?.closest('pre.code')),
    };
  });
}

function assertOnScreen(l, where) {
  const inside = (name, b) => {
    assert.ok(b, `${where}: ${name} is on the page`);
    assert.ok(b.top >= 0 && b.bottom <= l.vh && b.left >= 0 && b.right <= l.vw, `${where}: ${name} is inside the 1366×900 viewport (${JSON.stringify(b)})`);
  };
  assert.equal(l.scrollY, 0, `${where}: the page did not scroll`);
  inside('the step narration', l.narration);
  inside('the diagram', l.diagram);
  inside('the verdict label', l.summary);
  inside('the verdict counts', l.counts);
  assert.ok(l.acting, `${where}: an actor is marked as the one that acted`);
  if (l.actingLine === 0 && !l.line) return;
  inside(`${l.acting}'s marked line`, l.line);
  assert.ok(l.line.top >= l.code.top - 1 && l.line.bottom <= l.code.bottom + 1, `${where}: ${l.acting}'s marked line is scrolled into its code box`);
}

test('at 1366×900 the narration, diagram, acting code line and verdict summary are on one screen', { timeout: 300_000 }, async () => {
  await withPage(browser, 'one-screen', server.url('/'), async (session) => {
    const { page } = session;
    const chapters = await page.$$eval('#tour button.chapter', (bs) => bs.map((b) => b.dataset.chapter));
    assert.ok(chapters.length >= 10, 'every chapter of the tour');
    for (const chapter of chapters) {
      await chooseChapter(page, chapter);
      const { steps } = await position(page);
      for (const step of [1, Math.floor(steps / 4), Math.floor(steps / 2), Math.floor((3 * steps) / 4), steps]) {
        await seek(page, step);
        await page.waitForTimeout(50);
        const l = await layout(page);
        assertOnScreen(l, `${chapter} at step ${step}/${steps}`);
        // A marked line matches its actor's state: died only when it is down.
        if (l.line) assert.equal(l.lineKind === 'died', ['crashed', 'stopped', 'failed'].includes(l.actingStatus), `${chapter} at ${step}: ${l.acting} is ${l.actingStatus}, line ${l.lineKind}`);
      }
      await page.screenshot({ path: await artifactPath(`one-screen-${chapter}.png`) });
    }
    // Chinese text wraps differently: the same holds there.
    await setLang(page, 'zh');
    for (const chapter of ['consumer-crash', 'manual-ack', 'quorum']) {
      await chooseChapter(page, chapter);
      const { steps } = await position(page);
      for (const step of [Math.floor(steps / 2), steps]) {
        await seek(page, step);
        await page.waitForTimeout(50);
        assertOnScreen(await layout(page), `${chapter} (zh) at step ${step}/${steps}`);
      }
    }
    await page.screenshot({ path: await artifactPath('one-screen-zh.png') });
    assertClean(session);
  }, { viewport: VIEWPORT });
});

test('after the consumer crashes, the line it died on is marked and on screen', { timeout: 300_000 }, async () => {
  await withPage(browser, 'one-screen-died', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer-crash');
    await seek(page, 0);
    // The first fault of the chapter: the consumer is killed in its callback.
    await page.click('#btn-next-mark');
    await page.waitForFunction(() => document.querySelector('.actor[data-actor="consumer"]')?.dataset.status === 'crashed');
    const l = await layout(page);
    assert.equal(l.acting, 'consumer', 'the consumer acted last (it died)');
    assert.equal(l.lineKind, 'died', 'its line is marked as the line it died on');
    assertOnScreen(l, 'consumer-crash at the crash');
    const mark = await page.locator('.actor[data-actor="consumer"] .line.died .died-mark').textContent();
    assert.match(mark, /crashed/, 'the mark says how it died');
    assert.equal(await page.locator('.actor[data-actor="consumer"] .line.current').count(), 0, 'a dead actor has no running line');
    await page.screenshot({ path: await artifactPath('one-screen-died.png') });
    assertClean(session);
  }, { viewport: VIEWPORT });
});

test('clicking a cause seeks to it and brings the narration and the diagram into view', { timeout: 300_000 }, async () => {
  await withPage(browser, 'one-screen-cause', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'consumer-crash');
    const end = await toEnd(page);
    const cause = page.locator('#messages tr[data-verdict="lost"] button.cause').first();
    await cause.scrollIntoViewIfNeeded();
    assert.ok((await page.evaluate(() => window.scrollY)) > 0, 'the table is below the first screen');
    const event = Number(await cause.getAttribute('data-event'));
    await cause.click();
    await page.waitForFunction((s) => !new RegExp(`\\b${s}\\s*/`).test(document.querySelector('#position')?.textContent ?? ''), end.step);
    assert.ok((await position(page)).step < end.step, `the click on the cause (event ${event}) sought back to it`);
    await page.waitForTimeout(100);
    const seen = await page.evaluate(() => {
      const inView = (sel) => {
        const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;
      };
      return { narration: inView('#step-narration'), diagram: inView('#diagram svg') };
    });
    assert.deepEqual(seen, { narration: true, diagram: true }, 'the narration and the diagram are in view after the click');
    await page.screenshot({ path: await artifactPath('one-screen-cause.png') });
    assertClean(session);
  }, { viewport: VIEWPORT });
});
