// End-to-end: ZeroMQ on the page (issue 12), against the release build in dist/.
//
// What it checks, through the DOM only:
//   - the header's system switch (RabbitMQ | Kafka | ZeroMQ) shows the ZeroMQ page and back,
//     and the RabbitMQ page comes back as it was (its chapter, its step);
//   - the eight ZeroMQ chapters, in tour order, each with a title, an opening, the brokerless
//     diagram (processes, sockets, links with their pipes), the pyzmq programs and terminals,
//     and at the end the outcome and the verdict table the native run ends with (the same
//     letters `qp run --catalog` gives: z-consumer-crash 4-9 lost, z-slow-joiner 0-2 lost,
//     z-lazy-pirate 3 duplicated...), every settled row with its cause, in English and Chinese;
//   - a consumer crash injected in z-workload after its 3rd print: the fault is listed, the
//     share link carries it, and the page's verdicts at the end are `qp run --share`'s for
//     that same link; the link reopens the same run at the same step (a fresh visit too);
//   - a broken ZeroMQ link says what is wrong, in both languages, and the saved run stays;
//   - the embed snippet opens the compact ZeroMQ page;
//   - Save scenario writes the run (with its injected fault) as a ZeroMQ file, which loads
//     back to the same verdicts with no share link; a bad ZeroMQ file names its problem and
//     the run stays; a ZeroMQ file loaded on the RabbitMQ page opens the ZeroMQ page;
//   - no console error. Screenshots (390 and 1366 px) go to target/e2e-artifacts/zeromq-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { withPage, artifactPath, servePage, runCli, waitForReady } from './harness.mjs';
import { assertClean, position, setLang, toZeromq, chooseZeromqChapter, pasteLink } from './page-helpers.mjs';

const CJK = /[\u4e00-\u9fff]/;
const LETTER = { processed_once: 'P', lost: 'L', duplicated: 'D', never_sent: 'N', never_accepted: 'A', still_queued: 'Q', out_of_order: 'O', pending: '?' };
// Each chapter's verdicts at its end, one letter per payload (tests/zeromq_golden.rs runs the
// same scenarios natively; `qp run --catalog NAME` prints them).
const CHAPTERS = {
  'z-workload': 'PPPPPPPPPP',
  'z-consumer-crash': 'PPPPLLLLLL',
  'z-bind-vs-connect': 'PPPPPPPPPP',
  'z-slow-joiner': 'LLLPPPPPPP',
  'z-hwm-drops': 'PPLLLLLLLL',
  'z-req-hang': 'PPPLNNNNNN',
  'z-lazy-pirate': 'PPPDPPPPPP',
  'z-linger-0': 'LLLLLLLLLL',
};
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
}

async function toZeromqEnd(page) {
  if (!(await page.isDisabled('#btn-end'))) await page.click('#btn-end');
  await page.waitForFunction(() => {
    const p = document.querySelector('#zeromq-page');
    return p && p.dataset.position === p.dataset.len;
  });
}

async function rows(page) {
  return page.$$eval('#messages tbody tr', (trs) => trs.map((tr) => ({ data: Number(tr.dataset.data), verdict: tr.dataset.verdict, cause: tr.querySelector('.cause').textContent.trim() })));
}

function letters(rs) {
  return rs.map((r) => LETTER[r.verdict] ?? '?').join('');
}

/** Up to n steps forward (fewer at the run's end). */
async function steps(page, n) {
  for (let i = 0; i < n && !(await page.isDisabled('#btn-step')); i++) await page.click('#btn-step');
}

async function zeromqState(page) {
  return page.evaluate(() => {
    const p = document.querySelector('#zeromq-page');
    return { chapter: p.dataset.chapter, position: p.dataset.position, injected: [...document.querySelectorAll('#injected li')].map((li) => li.textContent.replace('×', '').trim()) };
  });
}

/** The step right after the consumer's n-th "Received" line appeared in its terminal. */
async function stepAfterPrints(page, n) {
  for (let guard = 0; guard < 2000; guard++) {
    const printed = await page.$eval('#actors .actor[data-actor="consumer"] .terminal', (el) => (el.textContent.match(/Received/g) ?? []).length);
    if (printed >= n) return;
    await page.click('#btn-step');
  }
  throw new Error(`the consumer never printed ${n} messages`);
}

test('the system switch shows ZeroMQ and brings RabbitMQ back as it was', async () => {
  await withPage(browser, 'zeromq-switch', server.url('/'), async (session) => {
    const { page } = session;
    await page.click('#btn-step');
    await page.click('#btn-step');
    const before = await position(page);
    const chapter = await page.getAttribute('main.playground', 'data-chapter');
    await toZeromq(page);
    assert.equal(await page.getAttribute('#system-switch button[data-system="zeromq"]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('main.playground', 'data-system'), 'zeromq');
    assert.equal((await position(page)).step, 0, 'the ZeroMQ chapter opens at step 0');
    // Play runs the ZeroMQ run (and the keyboard's space pauses it).
    await page.click('#btn-play');
    await page.waitForFunction(() => Number(document.querySelector('#zeromq-page')?.dataset.position) >= 3);
    await page.keyboard.press(' ');
    await page.waitForFunction(() => /Play|播放/.test(document.querySelector('#btn-play')?.textContent ?? ''));
    const paused = await page.$eval('#zeromq-page', (p) => p.dataset.position);
    await page.waitForTimeout(600);
    assert.equal(await page.$eval('#zeromq-page', (p) => p.dataset.position), paused, 'paused');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('#zeromq-page')?.dataset.position === '0');
    await page.click('#system-switch button[data-system="rabbitmq"]');
    await page.waitForSelector('#zeromq-page', { state: 'detached' });
    assert.equal(await page.getAttribute('main.playground', 'data-chapter'), chapter);
    assert.deepEqual(await position(page), before);
    assertClean(session);
  });
});

test('the eight ZeroMQ chapters: openings, diagram, code and verdicts with causes, in English and Chinese', { timeout: 600_000 }, async (t) => {
  await withPage(browser, 'zeromq-chapters', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    const ids = await page.$$eval('#zeromq-page #tour button.chapter', (bs) => bs.map((b) => b.dataset.chapter));
    assert.deepEqual(ids, Object.keys(CHAPTERS));
    for (const lang of ['en', 'zh']) {
      await setLang(page, lang);
      for (const [id, expected] of Object.entries(CHAPTERS)) {
        await chooseZeromqChapter(page, id);
        const title = (await page.locator('#chapter-title').textContent()).trim();
        const opening = (await page.locator('#narration .chapter-narration').textContent()).trim();
        assert.ok(title.length > 0 && opening.length > 40, `${id}: a title and an opening`);
        if (lang === 'zh') assert.match(opening, CJK, `${id}: the Chinese opening`);
        assert.ok((await page.locator('#diagram.zeromq .process').count()) >= 2, `${id}: the processes`);
        const code = await page.locator('#actors .actor .code').first().textContent();
        assert.match(code, /import zmq/, `${id}: pyzmq code`);
        await toZeromqEnd(page);
        const got = await rows(page);
        assert.equal(letters(got), expected, `${id} (${lang}): the verdicts`);
        for (const r of got) assert.ok(r.cause.length > 0, `${id}: a cause for ${r.data}`);
        if (lang === 'zh') assert.match(got[0].cause, CJK);
        const outcome = (await page.locator('#outcome').textContent()).trim();
        assert.ok(outcome.length > 20, `${id}: the outcome`);
        if (id === 'z-consumer-crash' && lang === 'en') {
          assert.match(got[5].cause, /lost/);
          assert.match(outcome, /Lost: 4, 5, 6, 7, 8, 9/);
        }
        if (id === 'z-lazy-pirate') assert.equal(await page.$eval('#messages tbody tr[data-verdict="duplicated"]', (tr) => tr.dataset.printed), '2');
        // An end without a peer says why: a connecting socket's pipe waits for one; a
        // closed link will have none.
        const links = await page.$$eval('#diagram.zeromq .zlink', (ls) => ls.map((l) => ({ status: l.dataset.status, ends: [...l.querySelectorAll('.lane-ends')].map((e) => e.textContent) })));
        for (const l of links.filter((l) => l.status === 'closed')) {
          for (const e of l.ends) assert.doesNotMatch(e, /no peer yet|尚无对端/, `${id} (${lang}): a closed link's lane says ${e}`);
        }
        if (id === 'z-linger-0') {
          assert.ok(links.some((l) => l.status === 'closed' && l.ends.some((e) => /the link is closed|连接已关闭/.test(e))), `${id} (${lang}): the closed link says it is closed: ${JSON.stringify(links)}`);
        }
      }
    }
    await chooseZeromqChapter(page, 'z-consumer-crash');
    await setLang(page, 'en');
    await toZeromqEnd(page);
    for (const width of [390, 1366]) {
      await page.setViewportSize({ width, height: 900 });
      await shot(page, t, `zeromq-consumer-crash-${width}.png`);
    }
    assertClean(session);
  });
});

test('a consumer crash injected in z-workload: the page agrees with qp run --share, and the link reopens it', { timeout: 600_000 }, async (t) => {
  let link;
  let before;
  let verdicts;
  await withPage(browser, 'zeromq-inject', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    await stepAfterPrints(page, 3);
    const step = Number(await page.$eval('#zeromq-page', (p) => p.dataset.position));
    await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="crash"]');
    await page.waitForSelector('#injected li');
    assert.match(await page.locator('#injected li').textContent(), new RegExp(`Crash consumer at step ${step}`));
    // The SIGKILL lands a moment after the step it was injected at (0.1 to 2.3 ms later).
    for (let guard = 0; guard < 20 && (await page.$eval('#actors .actor[data-actor="consumer"]', (a) => a.dataset.status)) !== 'crashed'; guard++) await page.click('#btn-step');
    assert.equal(await page.$eval('#actors .actor[data-actor="consumer"]', (a) => a.dataset.status), 'crashed');
    assert.match(await page.locator('#actors .actor[data-actor="consumer"] .terminal').textContent(), /Killed$/);
    before = await zeromqState(page);
    link = await page.inputValue('#share-link');
    const json = JSON.parse(Buffer.from(link.split('#run=')[1], 'base64url').toString('utf8'));
    assert.equal(json.system, 'zeromq');
    assert.deepEqual(json.zeromq.faults, [{ when: { at_step: step }, do: { crash: { actor: 'consumer', restart_after_ms: null } } }]);
    await toZeromqEnd(page);
    verdicts = await rows(page);
    const report = await runCli(['run', '--share', link]);
    assert.deepEqual(verdicts.map((r) => `${r.data}:${r.verdict}`), report.messages.map((m) => `${m.data}:${m.verdict}`), 'the page and the CLI agree');
    assert.deepEqual(verdicts.map((r) => r.cause), report.messages.map((m) => m.cause), 'with the same causes');
    assert.notEqual(letters(verdicts), 'PPPPPPPPPP', 'the crash changed the run');
    await shot(page, t, 'zeromq-injected-1366.png');
    assertClean(session);
  });
  await withPage(browser, 'zeromq-open', link, async (session) => {
    const { page } = session;
    await page.waitForSelector('#zeromq-page');
    assert.deepEqual(await zeromqState(page), before, 'same chapter, step and injected fault');
    // Without the link: the saved state.
    await page.goto(server.url('/'), { waitUntil: 'load' });
    await waitForReady(page);
    await page.waitForSelector('#zeromq-page');
    assert.deepEqual(await zeromqState(page), before, 'localStorage reopens the ZeroMQ run');
    await setLang(page, 'zh');
    assert.match(await page.locator('#injected li').textContent(), CJK);
    await toZeromqEnd(page);
    assert.deepEqual((await rows(page)).map((r) => r.verdict), verdicts.map((r) => r.verdict));
    assertClean(session);
  });
});

test('a share link pasted into the open tab opens that run (a fragment change reloads nothing by itself)', async () => {
  await withPage(browser, 'zeromq-paste', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    await chooseZeromqChapter(page, 'z-hwm-drops');
    await steps(page, 3);
    const shared = await zeromqState(page);
    const link = page.url();
    assert.match(link, /#run=/);
    await chooseZeromqChapter(page, 'z-slow-joiner');
    await page.click('#btn-step');
    assert.notDeepEqual(await zeromqState(page), shared);
    // Pasted into the address bar, a link to the same page changes only the fragment (a
    // regression leaves the page as it was: no load event comes, and this times out).
    await pasteLink(page, link);
    await page.waitForSelector('#zeromq-page');
    assert.deepEqual(await zeromqState(page), shared, 'the pasted link\'s chapter and step');
    assertClean(session);
  });
});

test('a broken ZeroMQ link says what is wrong and the saved ZeroMQ run stays', async () => {
  await withPage(browser, 'zeromq-broken', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    await chooseZeromqChapter(page, 'z-slow-joiner');
    await page.click('#btn-step');
    const before = await zeromqState(page);
    const own = JSON.parse(Buffer.from(page.url().split('#run=')[1], 'base64url').toString('utf8'));
    const code = Buffer.from(JSON.stringify({ ...own, zeromq: { ...own.zeromq, chapter: 'z-no-such-chapter' } })).toString('base64url');
    await pasteLink(page, `${server.url('/')}#run=${code}`);
    const error = page.locator('#share-error');
    await error.waitFor({ state: 'visible' });
    assert.equal((await error.textContent()).replace('×', '').trim(), 'This share link could not be opened: the share link names an unknown ZeroMQ chapter "z-no-such-chapter"');
    await page.waitForSelector('#zeromq-page');
    assert.deepEqual(await zeromqState(page), before, 'the saved ZeroMQ run, not the tour');
    await error.locator('button').click();
    const { zeromq, ...rest } = own;
    const bare = Buffer.from(JSON.stringify(rest)).toString('base64url');
    await setLang(page, 'zh');
    await pasteLink(page, `${server.url('/')}#run=${bare}`);
    await page.locator('#share-error').waitFor({ state: 'visible' });
    assert.equal((await page.locator('#share-error').textContent()).replace('×', '').trim(), '无法打开此分享链接：分享链接要打开 ZeroMQ 页面，却没有携带 ZeroMQ 的运行（缺少 zeromq）');
    assertClean(session);
  });
});

test('the embed snippet of a ZeroMQ run opens the compact ZeroMQ page', async (t) => {
  let src;
  await withPage(browser, 'zeromq-embed-make', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    await chooseZeromqChapter(page, 'z-hwm-drops');
    await page.click('#btn-step');
    const snippet = await page.inputValue('#embed-snippet');
    src = /<iframe src="([^"]+)"/.exec(snippet)[1].replaceAll('&amp;', '&');
    assert.match(src, /\?embed=1#run=/);
    assertClean(session);
  });
  await withPage(browser, 'zeromq-embed-open', src, async (session) => {
    const { page } = session;
    await page.waitForSelector('#zeromq-page #tour.compact');
    assert.equal(await page.$eval('#zeromq-page', (p) => p.dataset.chapter), 'z-hwm-drops');
    assert.equal(await page.locator('#faults').count(), 0, 'the compact page has no fault bar');
    assert.equal(await page.locator('#actors .actor').count(), 1, 'one program');
    await page.selectOption('#embed-chapter', '0');
    await page.waitForFunction(() => document.querySelector('#zeromq-page')?.dataset.chapter === 'z-workload');
    await shot(page, t, 'zeromq-embed.png');
    assertClean(session);
  }, { viewport: { width: 390, height: 800 } });
});

test('a saved ZeroMQ scenario loads back; a bad file is refused and the run stays; a ZeroMQ file opens the ZeroMQ page', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'zeromq-load', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    await chooseZeromqChapter(page, 'z-bind-vs-connect');
    for (let i = 0; i < 15; i++) await page.click('#btn-step');
    await page.click('#faults .fault-group[data-actor="producer"] button[data-fault="crash"]');
    await page.waitForSelector('#injected li');
    await toZeromqEnd(page);
    const crashed = await rows(page);
    const len = await page.$eval('#zeromq-page', (p) => p.dataset.len);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-scenario')]);
    const text = await readFile(await download.path(), 'utf8');
    const file = JSON.parse(text);
    assert.equal(file.broker.model, 'zeromq');
    assert.equal(file.faults.length, 2, "the chapter's crash and the injected one");
    assert.equal(await page.locator('#export-real').count(), 0, 'the export is RabbitMQ\'s');
    await setLang(page, 'zh');
    const [zhDownload] = await Promise.all([page.waitForEvent('download'), page.click('#save-scenario')]);
    assert.equal(JSON.parse(await readFile(await zhDownload.path(), 'utf8')).title, 'bind 与 connect（注入了 1 个故障）', 'the title says the run differs from the chapter');
    await setLang(page, 'en');

    // Another chapter, then the file: the same run from step 0, with no share link.
    await chooseZeromqChapter(page, 'z-workload');
    const load = (name, body) => page.setInputFiles('#load-scenario', { name, mimeType: 'application/json', buffer: Buffer.from(body) });
    await load('mine.json', text);
    await page.waitForFunction(() => (document.querySelector('#chapter-title')?.textContent ?? '').startsWith('Loaded: z-bind-vs-connect'));
    assert.deepEqual(await page.$eval('#zeromq-page', (p) => [p.dataset.position, p.dataset.len]), ['0', len]);
    assert.equal(await page.locator('#zeromq-page .chapters button.current').count(), 0, 'no chapter is current');
    assert.equal(await page.isDisabled('#copy-link'), true, 'a link cannot carry a loaded file');
    assert.equal(await page.inputValue('#share-link'), '');
    await toZeromqEnd(page);
    assert.deepEqual(await rows(page), crashed, 'the same verdicts and causes as the run that was saved');
    await page.click('#btn-reset');
    assert.equal(await page.$eval('#zeromq-page', (p) => p.dataset.position), '0', 'reset starts the loaded file over');
    await shot(page, t, 'zeromq-loaded-1280.png');

    // A bad ZeroMQ file names its problem and the file; the run stays.
    const bad = structuredClone(file);
    bad.actors[0].sndhwm = -1;
    await load('bad-zeromq.json', JSON.stringify(bad));
    await page.waitForSelector('#load-error');
    assert.match(await page.textContent('#load-error'), /bad-zeromq\.json.*sndhwm/);
    assert.match(await page.textContent('#chapter-title'), /^Loaded: z-bind-vs-connect/);

    // From the RabbitMQ page, the ZeroMQ file opens the ZeroMQ page.
    await page.click('#system-switch button[data-system="rabbitmq"]');
    await page.waitForSelector('#zeromq-page', { state: 'detached' });
    await load('mine.json', text);
    await page.waitForSelector('#zeromq-page');
    await page.waitForFunction(() => (document.querySelector('#chapter-title')?.textContent ?? '').startsWith('Loaded: z-bind-vs-connect'));
    // Choosing a chapter leaves the loaded file, and the link comes back.
    await chooseZeromqChapter(page, 'z-workload');
    assert.doesNotMatch(await page.textContent('#chapter-title'), /^Loaded/);
    assert.equal(await page.isDisabled('#copy-link'), false);
    assertClean(session);
  });
});

test('a network cut and its restore, and a slow consumer, on z-workload: nothing lost, as qp run --share says', { timeout: 300_000 }, async (t) => {
  await withPage(browser, 'zeromq-cut', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    await stepAfterPrints(page, 2);
    const pair = '#faults .fault-group[data-pair="producer-consumer"]';
    assert.equal(await page.isDisabled(`${pair} button[data-fault="heal"]`), true, 'nothing to restore before a cut');
    await page.click(`${pair} button[data-fault="partition"]`);
    await page.waitForSelector('#injected li');
    await steps(page, 6);
    assert.equal(await page.isDisabled(`${pair} button[data-fault="partition"]`), true, 'already cut');
    assert.equal(await page.locator('#diagram.zeromq .zlink[data-status="partitioned"]').count(), 1, 'the diagram shows the cut link');
    const printedDuringCut = await page.$eval('#actors .actor[data-actor="consumer"] .terminal', (el) => (el.textContent.match(/Received/g) ?? []).length);
    // Past the producer's end: its last messages wait in TCP, and the consumer cannot tell it
    // is gone (its FIN cannot cross the cut either).
    await toZeromqEnd(page);
    assert.equal(await page.$eval('#actors .actor[data-actor="consumer"] .terminal', (el) => (el.textContent.match(/Received/g) ?? []).length), printedDuringCut, 'nothing passes the cut');
    assert.equal(await page.$eval('#actors .actor[data-actor="producer"]', (a) => a.dataset.status), 'finished');
    assert.doesNotMatch(await page.locator('#event-log').textContent(), /consumer noticed that producer is gone/);
    assert.equal(await page.$eval('#messages tbody tr[data-data="9"]', (tr) => tr.dataset.verdict), 'still_queued');
    await page.click(`${pair} button[data-fault="heal"]`);
    await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 2);
    const link = await page.inputValue('#share-link');
    await toZeromqEnd(page);
    const got = await rows(page);
    assert.equal(letters(got), 'PPPPPPPPPP', 'the cut loses nothing: TCP holds what waits');
    const report = await runCli(['run', '--share', link]);
    assert.deepEqual(got.map((r) => `${r.data}:${r.verdict}:${r.cause}`), report.messages.map((m) => `${m.data}:${m.verdict}:${m.cause}`));
    await shot(page, t, 'zeromq-cut-1280.png');

    // A slow consumer: every message still arrives once, later.
    await chooseZeromqChapter(page, 'z-workload');
    await stepAfterPrints(page, 1);
    await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="slow"]');
    await page.waitForSelector('#injected li');
    assert.match(await page.locator('#injected li').textContent(), /Slow consumer to 1000 ms a message/);
    await toZeromqEnd(page);
    assert.equal(letters(await rows(page)), 'PPPPPPPPPP');
    const slow = await runCli(['run', '--share', await page.inputValue('#share-link')]);
    assert.ok(slow.time_ms > 9000, `nine messages at 1 s each: the run ends after 9 s (${slow.time_ms} ms)`);
    assert.match(await page.locator('#event-log').textContent(), /work now takes 1 s per message/);
    assertClean(session);
  });
});

test('the settings panel changes the code and the run; a link carries the settings; a refused value says why', { timeout: 300_000 }, async (t) => {
  let link;
  let verdicts;
  await withPage(browser, 'zeromq-settings', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    await chooseZeromqChapter(page, 'z-consumer-crash');
    const consumerCode = () => page.locator('#actors .actor[data-actor="consumer"] .code').textContent();
    assert.match(await consumerCode(), /time\.sleep\(0\.2\)/);
    // No work per message: the consumer reads as fast as they come, and nothing is lost.
    await page.fill('#zs-work_ms', '0');
    await page.locator('#zs-work_ms').dispatchEvent('change');
    await page.waitForFunction(() => /work_ms: 200 → 0/.test(document.querySelector('#title-note')?.textContent ?? ''));
    assert.equal(await page.$eval('#zeromq-page', (p) => p.dataset.position), '0', 'a change before the first step stays before it');
    assert.doesNotMatch(await consumerCode(), /time\.sleep/);
    assert.equal(await page.locator('#settings-note').count(), 1, "the chapter's story is not told for other settings");
    // The consumer binds, the producer connects.
    await page.selectOption('#zs-binds', 'consumer');
    await page.waitForFunction(() => /bind: producer → consumer/.test(document.querySelector('#title-note')?.textContent ?? ''));
    assert.match(await page.locator('#actors .actor[data-actor="producer"] .code').textContent(), /socket\.connect\("tcp:\/\/127\.0\.0\.1:5557"\)/);
    assert.match(await consumerCode(), /socket\.bind\("tcp:\/\/127\.0\.0\.1:5557"\)/);
    await toZeromqEnd(page);
    verdicts = await rows(page);
    assert.equal(letters(verdicts), 'PPPPPPPPPP', 'the replacement got the rest');
    link = await page.inputValue('#share-link');
    const json = JSON.parse(Buffer.from(link.split('#run=')[1], 'base64url').toString('utf8'));
    assert.deepEqual({ binds: json.zeromq.settings.producer_binds, work: json.zeromq.settings.work_ms }, { binds: false, work: 0 });
    const report = await runCli(['run', '--share', link]);
    assert.deepEqual(verdicts.map((r) => `${r.data}:${r.verdict}`), report.messages.map((m) => `${m.data}:${m.verdict}`));
    // A value the panel does not offer: said, and the run and the field stay as they were.
    const len = await page.$eval('#zeromq-page', (p) => p.dataset.len);
    await page.fill('#zs-messages', '0');
    await page.locator('#zs-messages').dispatchEvent('change');
    await page.waitForSelector('#zeromq-settings-error');
    assert.match(await page.textContent('#zeromq-settings-error'), /messages: must be between 1 and 1000, got 0/);
    assert.equal(await page.inputValue('#zs-messages'), '10');
    assert.equal(await page.$eval('#zeromq-page', (p) => p.dataset.len), len);
    await page.fill('#zs-messages', '2.5');
    await page.locator('#zs-messages').dispatchEvent('change');
    await page.waitForFunction(() => /not a whole number/.test(document.querySelector('#zeromq-settings-error')?.textContent ?? ''));
    await shot(page, t, 'zeromq-settings-1280.png');
    assertClean(session);
  });
  await withPage(browser, 'zeromq-settings-open', link, async (session) => {
    const { page } = session;
    await page.waitForSelector('#zeromq-page');
    assert.equal(await page.inputValue('#zs-work_ms'), '0');
    assert.equal(await page.inputValue('#zs-binds'), 'consumer');
    await toZeromqEnd(page);
    assert.deepEqual(await rows(page), verdicts);
    assertClean(session);
  });
});

test('a ZeroMQ module that cannot be fetched is said so in both languages; the RabbitMQ page stays and the switch tries again', { timeout: 300_000 }, async () => {
  await withPage(browser, 'zeromq-offline', server.url('/'), async (session) => {
    const { page } = session;
    const fetched = [];
    page.on('request', (r) => fetched.push(r.url().split('/').pop()));
    await page.route(/split_zeromq-[0-9a-f]+\.wasm$/, (route) => route.abort());
    await page.click('#system-switch button[data-system=zeromq]');
    const error = page.locator('#share-error');
    await error.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await error.textContent(), /^The ZeroMQ page's code \(split_zeromq\.wasm\) could not be fetched: check the connection and try again\./);
    await setLang(page, 'zh');
    assert.match(await error.textContent(), /^无法获取 ZeroMQ 页面的代码（split_zeromq\.wasm）：请检查网络连接后重试。/);
    await setLang(page, 'en');
    assert.equal(await page.getAttribute('main', 'data-system'), 'rabbitmq', 'the RabbitMQ page stays');
    await page.unroute(/split_zeromq-[0-9a-f]+\.wasm$/);
    await page.click('#system-switch button[data-system=zeromq]');
    await page.waitForSelector('#zeromq-page #diagram.zeromq', { timeout: 60_000 });
    assert.equal(await page.getAttribute('main', 'data-system'), 'zeromq');
    assert.equal(fetched.filter((f) => /^split_kafka-/.test(f)).length, 0, `the Kafka module is not fetched for ZeroMQ: ${fetched}`);
  });
});

test('a restarted producer sends its payloads again: the table says which process sent each', { timeout: 300_000 }, async () => {
  await withPage(browser, 'zeromq-producer-restart', server.url('/'), async (session) => {
    const { page } = session;
    await toZeromq(page);
    for (let i = 0; i < 22; i++) await page.click('#btn-step');
    await page.click('#faults .fault-group[data-actor="producer"] button[data-fault="crash"]');
    await page.waitForSelector('#injected li');
    assert.equal(await page.$eval('#actors .actor[data-actor="producer"]', (a) => a.dataset.status), 'crashed');
    await page.click('#faults .fault-group[data-actor="producer"] button[data-fault="restart"]');
    await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 2);
    await toZeromqEnd(page);
    const sent = await page.$$eval('#messages tbody tr', (trs) => trs.map((tr) => ({ data: tr.dataset.data, process: tr.dataset.process, text: tr.querySelector('.payload').textContent })));
    const second = sent.filter((r) => r.process === '2');
    assert.ok(second.length >= 1 && second.every((r) => /producer#2/.test(r.text)), JSON.stringify(sent));
    assert.ok(sent.filter((r) => r.process === '1').every((r) => !/#/.test(r.text)), JSON.stringify(sent));
    const report = await runCli(['run', '--share', await page.inputValue('#share-link')]);
    assert.equal(sent.length, report.messages.length);
    assertClean(session);
  });
});
