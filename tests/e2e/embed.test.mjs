// End-to-end: embedding in a tutorial page (issue 8, section 4), against the release build in
// dist/ (bash scripts/test.sh runs `trunk build --release` first).
//
// What it checks, through the DOM only:
//   - a host page (written by the test into a temp dir and served from another origin) with
//     the embed snippet in a 380 px and a 700 px column: each iframe's height follows the
//     height the page posts (no inner vertical scrollbar), nothing scrolls sideways inside;
//     the compact mode shows the narration line, diagram, transport, one code panel and the
//     verdict summary, and no chapter list, page title or verdict table; the chapter is
//     locked and the dark theme applies, as chosen in the embed options dialog;
//   - the copy buttons put the share link and the snippet on the clipboard (with a
//     "copied" confirmation), and without a clipboard select the text instead;
//   - "Save scenario" then "Load scenario" runs the same trace (same trace hash, and the
//     native `qp run` of the saved file agrees); a malformed, a future-format and a too-big
//     file each show a message naming the problem and the current run stays.
// Screenshots go to target/e2e-artifacts/embed-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStaticServer, withPage, waitForReady, artifactPath, runCli, servePage } from './harness.mjs';
import { assertClean, chooseChapter } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function stepNumber(page) {
  const text = (await page.locator('#position').textContent()) ?? '';
  return Number(/(\d+)\s*\//.exec(text)?.[1]);
}

const hash = (page) => page.getAttribute('#verdict-summary', 'data-trace-hash');

test('embed: the snippet in 380 px and 700 px columns sizes itself, compact, locked, dark', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'qp-host-'));
  const host = await startStaticServer(dir, ['/']);
  try {
    await withPage(browser, 'embed-host', server.url('/'), async (session) => {
      const { page } = session;
      await chooseChapter(page, 'consumer');
      for (let i = 0; i < 6; i++) await page.click('#btn-step');
      const step = await stepNumber(page);
      await page.click('#embed-options');
      await page.check('#opt-lock');
      await page.selectOption('#opt-theme', 'dark');
      await page.screenshot({ path: await artifactPath('embed-options.png') });
      const snippet = await page.inputValue('#embed-snippet');
      assert.match(snippet, /^<iframe src="[^"]+\?embed=1&amp;lock=1&amp;theme=dark#run=[A-Za-z0-9_-]+" /, snippet);
      assert.match(snippet, /<script>[^]*queue-playground:height[^]*<\/script>$/, 'the host script comes with it');

      // A tutorial page: two columns, each with the snippet (its script twice: harmless).
      await writeFile(
        path.join(dir, 'index.html'),
        `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tutorial</title><link rel="icon" href="data:,"></head>
         <body style="margin:0;font-family:sans-serif;background:#fff">
           <p>Some tutorial text.</p>
           <div id="narrow" style="width:380px">${snippet}</div>
           <div id="wide" style="width:700px">${snippet}</div>
         </body></html>`,
      );
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.goto(host.url('/'), { waitUntil: 'load' });
      const frames = { narrow: null, wide: null };
      for (const column of Object.keys(frames)) {
        const handle = await page.$(`#${column} iframe`);
        frames[column] = await handle.contentFrame();
        await waitForReady(frames[column]);
      }
      for (const [column, frame] of Object.entries(frames)) {
        // Chromium throttles the rendering (and so the ResizeObserver) of a cross-origin frame
        // out of view, as a reader's browser does: bring the frame into view first.
        await page.evaluate((column) => document.querySelector(`#${column} iframe`).scrollIntoView(), column);
        // The iframe's height follows the height the page posts (the first post comes before
        // the app mounts: wait for the one after).
        const deadline = Date.now() + 15_000;
        for (;;) {
          const content = await frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
          const height = await page.evaluate((column) => document.querySelector(`#${column} iframe`).getBoundingClientRect().height, column);
          if (content > 200 && Math.abs(height - content) <= 2) break;
          if (Date.now() > deadline) break; // the assertions below say what is wrong
          await page.waitForTimeout(100);
        }
        const inside = await frame.evaluate(() => {
          const root = document.documentElement;
          const visible = (sel) => {
            const el = document.querySelector(sel);
            return !!el && el.getBoundingClientRect().height > 0 && getComputedStyle(el).display !== 'none';
          };
          return {
            scrollWidth: root.scrollWidth,
            clientWidth: root.clientWidth,
            scrollHeight: root.scrollHeight,
            clientHeight: root.clientHeight,
            content: Math.ceil(document.body.getBoundingClientRect().height),
            chapter: document.querySelector('main')?.dataset.chapter,
            position: document.querySelector('#position')?.textContent ?? '',
            narration: visible('#step-narration'),
            diagram: visible('#diagram svg'),
            transport: visible('#transport'),
            actors: document.querySelectorAll('.actor').length,
            code: visible('.actor .code'),
            summary: visible('#verdict-summary'),
            counts: visible('#counts'),
            table: !!document.querySelector('#messages'),
            chapterList: !!document.querySelector('#tour .chapters, #tour button.chapter'),
            chapterMenu: !!document.querySelector('#embed-chapter'),
            title: !!document.querySelector('h1'),
            shareTools: !!document.querySelector('#share-tools'),
            background: getComputedStyle(document.body).backgroundColor,
            theme: root.dataset.theme,
          };
        });
        const frameHeight = await page.evaluate((column) => document.querySelector(`#${column} iframe`).getBoundingClientRect().height, column);
        t.diagnostic(`${column}: frame ${frameHeight} px, ${JSON.stringify(inside)}`);
        assert.ok(Math.abs(frameHeight - inside.content) <= 2, `${column}: the frame is as tall as its content (${frameHeight} vs ${inside.content})`);
        assert.ok(inside.scrollHeight <= inside.clientHeight + 1, `${column}: no inner vertical scrollbar (${inside.scrollHeight} > ${inside.clientHeight})`);
        assert.ok(inside.scrollWidth <= inside.clientWidth + 1, `${column}: no horizontal scroll inside (${inside.scrollWidth} > ${inside.clientWidth})`);
        assert.equal(inside.chapter, 'consumer', `${column}: the chosen chapter`);
        assert.match(inside.position, new RegExp(`\\b${step}\\s*/`), `${column}: at the chosen step`);
        for (const part of ['narration', 'diagram', 'transport', 'code', 'summary', 'counts']) assert.ok(inside[part], `${column}: shows ${part}`);
        assert.equal(inside.actors, 1, `${column}: one code panel, the active one`);
        for (const part of ['table', 'chapterList', 'chapterMenu', 'title', 'shareTools']) assert.ok(!inside[part], `${column}: hides ${part}`);
        assert.equal(inside.theme, 'dark');
        const [r, g, b] = inside.background.match(/\d+/g).map(Number);
        assert.ok(r + g + b < 150, `${column}: theme=dark gives a dark background in a light page: ${inside.background}`);
      }
      await page.screenshot({ path: await artifactPath('embed-host.png'), fullPage: true });

      // The height follows the content as it changes: play the narrow one to its end.
      const narrow = frames.narrow;
      await narrow.click('#btn-step');
      await narrow.evaluate(() => document.querySelector('#scrubber') && document.dispatchEvent(new KeyboardEvent('keydown', { key: 'End' })));
      // Content and frame agree again once the last post has landed (both read each time).
      const settle = Date.now() + 20_000;
      let last;
      for (;;) {
        const content = await narrow.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
        const height = await page.evaluate(() => document.querySelector('#narrow iframe').getBoundingClientRect().height);
        last = { content, height };
        if (Math.abs(height - content) <= 2) break;
        assert.ok(Date.now() < settle, `after stepping, the frame follows its content: ${JSON.stringify(last)}`);
        await page.waitForTimeout(100);
      }
      assert.ok((await narrow.getAttribute('#verdict-summary', 'data-label')) !== '—', 'the end has a label');
      await page.screenshot({ path: await artifactPath('embed-host-end.png'), fullPage: true });
      assertClean(session);
    });
  } finally {
    await host.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('embed: light theme and an unlocked chapter menu in the compact mode', { timeout: 120_000 }, async () => {
  await withPage(browser, 'embed-light', server.url('/?embed=1&theme=light'), async (session) => {
    const { page } = session;
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 380, height: 800 });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    assert.ok(r + g + b > 600, `theme=light wins over a dark system: ${background}`);
    await page.selectOption('#embed-chapter', { label: await page.locator('#embed-chapter option').nth(3).textContent() });
    await page.waitForFunction(() => document.querySelector('main').dataset.chapter === 'consumer-crash');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no sideways scroll at 380 px: ${overflow}`);
    await page.screenshot({ path: await artifactPath('embed-light-380.png'), fullPage: true });
    assertClean(session);
  });
});

test('embed: copy buttons put the share link and the snippet on the clipboard', { timeout: 120_000 }, async () => {
  await withPage(browser, 'embed-copy', server.url('/'), async (session) => {
    const { page, context } = session;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await page.click('#btn-step');
    await page.click('#copy-link');
    await page.waitForFunction(() => document.querySelector('#copy-status')?.textContent === 'Link copied');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), await page.inputValue('#share-link'));
    await page.click('#embed-options');
    await page.selectOption('#opt-start', '0');
    await page.click('#copy-snippet');
    await page.waitForFunction(() => document.querySelector('#copy-status')?.textContent === 'Embed snippet copied');
    const snippet = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(snippet, await page.inputValue('#embed-snippet'));
    assert.match(snippet, /\?embed=1#run=/, 'default options: compact, not locked, no theme');
    assertClean(session);
  });
  // Without a clipboard: the text is selected, to copy by hand.
  await withPage(
    browser,
    'embed-copy-fallback',
    server.url('/'),
    async (session) => {
      const { page } = session;
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
      await page.goto(server.url('/'), { waitUntil: 'load' });
      await waitForReady(page);
      await page.click('#copy-link');
      await page.waitForFunction(() => document.querySelector('#copy-status')?.textContent.startsWith('Selected'));
      const selected = await page.evaluate(() => {
        const el = document.activeElement;
        return { id: el.id, text: el.value.slice(el.selectionStart, el.selectionEnd) };
      });
      assert.deepEqual(selected, { id: 'share-link', text: await page.inputValue('#share-link') });
      await page.screenshot({ path: await artifactPath('embed-copy-fallback.png') });
      assertClean(session);
    },
    { goto: false },
  );
});

test('embed: save then load a scenario runs the same trace; bad files are refused, the run stays', { timeout: 600_000 }, async (t) => {
  await withPage(browser, 'embed-save-load', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'manual-ack');
    for (let i = 0; i < 8; i++) await page.click('#btn-step');
    await page.click('#faults button.fault[data-fault="crash_producer"]:not([disabled]), #faults button.fault:not([disabled])');
    const saved = await hash(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-scenario')]);
    const text = await readFile(await download.path(), 'utf8');
    const file = JSON.parse(text);
    assert.equal(file.format, 1, 'the file says its format');
    assert.ok(file.faults.some((f) => 'at_step' in f.when), 'the injected fault is in the file');
    const dir = await mkdtemp(path.join(tmpdir(), 'qp-saved-'));
    const savedPath = path.join(dir, download.suggestedFilename());
    await writeFile(savedPath, text);
    t.diagnostic(`saved ${download.suggestedFilename()}: ${text.length} bytes, hash ${saved}`);

    // Another chapter, then load the file back: the same run.
    await chooseChapter(page, 'declare');
    assert.notEqual(await hash(page), saved);
    await page.setInputFiles('#load-scenario', savedPath);
    await page.waitForFunction((h) => document.querySelector('#verdict-summary')?.dataset.traceHash === h, saved, { timeout: 30_000 });
    assert.match(await page.textContent('#narration h2'), /^Loaded: /);
    assert.equal(await stepNumber(page), 0, 'a loaded scenario starts at step 0');
    await page.screenshot({ path: await artifactPath('embed-loaded.png'), fullPage: true });
    // The same file is what `qp run` reads.
    const report = await runCli(['run', savedPath]);
    assert.equal(report.trace_hash, saved, 'qp run of the saved file gives the same trace');

    // Bad files: a message naming the problem, and the run stays.
    const cases = [
      ['bad.json', '{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"producer","name":"p","queue":"q","delivery_mode":3}]}', 'actors[0].delivery_mode'],
      ['future.json', '{"format":2,"name":"x","queues":[{"name":"q"}],"actors":[]}', 'format: unknown scenario format version 2'],
      ['big.json', ' '.repeat(1_100_000), 'larger than 1 MB'],
    ];
    for (const [name, body, expected] of cases) {
      await page.setInputFiles('#load-scenario', { name, mimeType: 'application/json', buffer: Buffer.from(body) });
      await page.waitForFunction((expected) => document.querySelector('#load-error')?.textContent.includes(expected), expected, { timeout: 10_000 });
      const message = await page.textContent('#load-error');
      assert.ok(message.includes(name), `the message names the file: ${message}`);
      assert.equal(await hash(page), saved, `${name}: the run stays`);
      t.diagnostic(`${name}: ${message}`);
    }
    await page.screenshot({ path: await artifactPath('embed-load-error.png') });
    // On the Chinese page the reader's words are Chinese (the field path as written).
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    const zhBody = '{"name":"x","queues":[{"name":"q"}],"actors":[{"role":"consumer","name":"c","queue":"q","prefetch_count":70000}]}';
    await page.setInputFiles('#load-scenario', { name: 'zh.json', mimeType: 'application/json', buffer: Buffer.from(zhBody) });
    const zhExpected = '无法加载 zh.json：actors[0].prefetch_count：必须是 0 到 65535 之间的整数，得到 70000';
    await page.waitForFunction((expected) => document.querySelector('#load-error')?.textContent.includes(expected), zhExpected, { timeout: 10_000 });
    assert.equal(await hash(page), saved, 'zh.json: the run stays');
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await rm(dir, { recursive: true, force: true });
    assertClean(session);
  });
});

test('export: the page downloads one Python file that writes the programs exactly as shown, with the injected fault', { timeout: 600_000 }, async (t) => {
  await withPage(browser, 'export-real', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'manual-ack');
    for (let i = 0; i < 8; i++) await page.click('#btn-step');
    await page.click('#faults button.fault[data-fault="crash_producer"]:not([disabled]), #faults button.fault:not([disabled])');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-real')]);
    assert.match(download.suggestedFilename(), /-export\.py$/);
    const dir = await mkdtemp(path.join(tmpdir(), 'qp-export-'));
    const bundle = path.join(dir, download.suggestedFilename());
    await writeFile(bundle, await readFile(await download.path(), 'utf8'));
    // Running it writes the file set (python3 is installed by scripts/setup.sh).
    const { execFileSync } = await import('node:child_process');
    const said = execFileSync('python3', [bundle, path.join(dir, 'files')], { encoding: 'utf8' });
    t.diagnostic(said.trim());
    const scenario = JSON.parse(await readFile(path.join(dir, 'files', 'scenario.json'), 'utf8'));
    // The injected fault, at a step in the page, is at its protocol point or its time in the export.
    // The chapter's own fault, then the injected one (appended last).
    const own = JSON.parse(await readFile(new URL('../../src/scenario/catalog/consumer-crash-manual-ack.json', import.meta.url), 'utf8')).faults.length;
    assert.equal(scenario.faults.length, own + 1, 'the injected fault is in the export');
    assert.ok(scenario.faults.every((f) => !('at_step' in f.when)), `steps become protocol points or times: ${JSON.stringify(scenario.faults.map((f) => f.when))}`);
    // Each program is the code the page shows, line for line.
    for (const actor of await page.$$eval('#actors .actor', (els) => els.map((e) => e.dataset.actor))) {
      // A line is its number (span.ln), its text (the text nodes), and maybe a died marker.
      const shown = await page.$$eval(`#actors .actor[data-actor="${actor}"] .code .line`, (ls) =>
        ls.map((l) => Array.from(l.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').replace(/\n$/, '')));
      const file = await readFile(path.join(dir, 'files', `${actor.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.codePointAt(0).toString(16)}_`)}.py`), 'utf8');
      assert.deepEqual(file.replace(/\n$/, '').split('\n'), shown, `${actor}: the file is the code the page shows`);
    }
    for (const f of ['run.py', 'qp_site/sitecustomize.py']) {
      assert.ok((await readFile(path.join(dir, 'files', f), 'utf8')).length > 100, `${f} written`);
    }
    await rm(dir, { recursive: true, force: true });
    assertClean(session);
  });
});
