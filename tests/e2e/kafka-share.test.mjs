// End-to-end: the Kafka run in share links, the saved state and embeds, against the release
// build in dist/.
//
// What it checks, through the DOM only:
//   - a share link made on the Kafka page (a chapter, a fault injected, some steps on) opens in
//     a fresh browser on the Kafka page, same chapter, same step, same fault, same verdicts at
//     the end, in the link's language (English and Chinese);
//   - a reload keeps the Kafka page (the URL), and so does a fresh visit without the link
//     (localStorage);
//   - the embed snippet made on the Kafka page opens the compact Kafka page (chapter menu,
//     narration line, transport, one program, diagram, verdict summary; no faults, table or
//     event log), locked when asked;
//   - a broken Kafka link says what is wrong and opens the saved Kafka run (nothing lost);
//   - the copy-link button on the Kafka page copies the Kafka link.
// Screenshots go to target/e2e-artifacts/kafka-share-*.png and kafka-embed-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage, waitForReady } from './harness.mjs';
import { assertClean, position, setLang, toKafka, chooseKafkaChapter, pasteLink } from './page-helpers.mjs';

const CJK = /[\u4e00-\u9fff]/;
let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function stepTo(page, step) {
  while ((await position(page)).step < step) await page.click('#btn-step');
}

async function kafkaState(page) {
  return page.evaluate(() => {
    const p = document.querySelector('#kafka-page');
    return {
      chapter: p?.dataset.chapter,
      position: Number(p?.dataset.position),
      len: Number(p?.dataset.len),
      injected: [...document.querySelectorAll('#injected li')].map((li) => li.textContent.replace('×', '').trim()),
    };
  });
}

async function endRows(page) {
  await page.click('#btn-end');
  await page.waitForFunction(() => {
    const p = document.querySelector('#kafka-page');
    return p && p.dataset.position === p.dataset.len;
  });
  return page.$$eval('#messages tbody tr', (trs) => trs.map((tr) => `${tr.dataset.data}:${tr.dataset.verdict}:${tr.dataset.printed}`));
}

/** A Kafka run with a fault: k-workload, the consumer crashed at step 40, then 10 steps on. */
async function makeRun(page, lang) {
  await toKafka(page);
  await setLang(page, lang);
  await chooseKafkaChapter(page, 'k-workload');
  await stepTo(page, 40);
  await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="crash"]');
  await page.waitForSelector('#injected li');
  await stepTo(page, 50);
  return kafkaState(page);
}

for (const lang of ['en', 'zh']) {
  test(`a Kafka share link reopens the Kafka run at the same step with the same fault (${lang})`, async (t) => {
    let link;
    let before;
    let rowsBefore;
    await withPage(browser, `kafka-share-make-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      before = await makeRun(page, lang);
      assert.deepEqual([before.chapter, before.position, before.injected.length], ['k-workload', 50, 1]);
      link = await page.inputValue('#share-link');
      assert.match(link, /#run=[A-Za-z0-9_-]+$/);
      const json = JSON.parse(Buffer.from(link.split('#run=')[1], 'base64url').toString('utf8'));
      assert.equal(json.system, 'kafka');
      assert.deepEqual({ chapter: json.kafka.chapter, step: json.kafka.step, faults: json.kafka.faults }, { chapter: 'k-workload', step: 50, faults: [{ when: { at_step: 40 }, do: { crash: 'consumer' } }] });
      assert.equal(json.lang, lang);
      const shot = await artifactPath(`kafka-share-${lang}-1280.png`);
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);
      assertClean(session);
    });
    await withPage(browser, `kafka-share-open-${lang}`, link, async (session) => {
      const { page } = session;
      await page.waitForSelector('#kafka-page');
      assert.equal(await page.getAttribute('#system-switch button[data-system="kafka"]', 'aria-pressed'), 'true');
      assert.equal(await page.getAttribute('html', 'lang'), lang === 'zh' ? 'zh-CN' : 'en');
      const after = await kafkaState(page);
      assert.deepEqual(after, before, 'same chapter, step and injected fault');
      if (lang === 'zh') assert.match(after.injected[0], CJK);
      assert.equal((await position(page)).step, 50);
      rowsBefore = await endRows(page);
      assert.ok(rowsBefore.length === 10 && rowsBefore.some((r) => !r.endsWith(':processed_once:1')), `the crash changed the run: ${rowsBefore}`);
      assertClean(session);
    });
  });
}

test('a reload and a fresh visit keep the Kafka page (URL and localStorage)', async () => {
  await withPage(browser, 'kafka-reload', server.url('/'), async (session) => {
    const { page } = session;
    const before = await makeRun(page, 'en');
    await page.reload({ waitUntil: 'load' });
    await waitForReady(page);
    await page.waitForSelector('#kafka-page');
    assert.deepEqual(await kafkaState(page), before, 'the reload reopens the Kafka run');
    // Without the link: the saved state.
    await page.goto(server.url('/'), { waitUntil: 'load' });
    await waitForReady(page);
    await page.waitForSelector('#kafka-page');
    assert.deepEqual(await kafkaState(page), before, 'localStorage reopens the Kafka run');
    // Back on RabbitMQ, a reload stays there, and the Kafka run is still kept for the switch.
    await page.click('#system-switch button[data-system="rabbitmq"]');
    await page.waitForSelector('#kafka-page', { state: 'detached' });
    await page.reload({ waitUntil: 'load' });
    await waitForReady(page);
    assert.equal(await page.locator('#kafka-page').count(), 0, 'RabbitMQ stays RabbitMQ');
    await page.click('#system-switch button[data-system="kafka"]');
    await page.waitForSelector('#kafka-page');
    assert.deepEqual(await kafkaState(page), before, 'the Kafka run survived on the RabbitMQ page');
    assertClean(session);
  });
});

test('the embed snippet of a Kafka run opens the compact Kafka page, locked when asked', async (t) => {
  let src;
  let before;
  await withPage(browser, 'kafka-embed-make', server.url('/'), async (session) => {
    const { page } = session;
    before = await makeRun(page, 'en');
    await page.click('#embed-options');
    await page.check('#opt-lock');
    const snippet = await page.inputValue('#embed-snippet');
    src = /<iframe src="([^"]+)"/.exec(snippet)[1].replaceAll('&amp;', '&');
    assert.match(src, /\?embed=1&lock=1#run=/);
    assertClean(session);
  });
  for (const width of [390, 1280]) {
    await withPage(
      browser,
      `kafka-embed-${width}`,
      src,
      async (session) => {
        const { page } = session;
        await page.waitForSelector('#kafka-page #diagram.kafka svg');
        assert.equal(await page.getAttribute('html', 'data-embed'), '1');
        const state = await kafkaState(page);
        assert.deepEqual([state.chapter, state.position], [before.chapter, before.position]);
        const shown = await page.evaluate(() => ({
          header: !!document.querySelector('header.top'),
          menu: !!document.querySelector('#embed-chapter'),
          chapters: document.querySelectorAll('#kafka-page button.chapter').length,
          narration: !!document.querySelector('#step-narration'),
          transport: !!document.querySelector('#transport #btn-step'),
          programs: document.querySelectorAll('#actors .actor').length,
          summary: !!document.querySelector('#verdict-summary[data-system="kafka"]'),
          faults: !!document.querySelector('#faults'),
          table: !!document.querySelector('#messages'),
          events: !!document.querySelector('#event-log'),
          share: !!document.querySelector('#share-tools'),
          sideways: document.documentElement.scrollWidth > window.innerWidth,
        }));
        assert.deepEqual(shown, { header: false, menu: false, chapters: 0, narration: true, transport: true, programs: 1, summary: true, faults: false, table: false, events: false, share: false, sideways: false });
        const shot = await artifactPath(`kafka-embed-${width}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        t.diagnostic(`screenshot: ${shot}`);
        await page.click('#btn-step');
        await page.waitForFunction((p) => Number(document.querySelector('#kafka-page').dataset.position) === p + 1, before.position);
        assertClean(session);
      },
      { viewport: { width, height: 900 } },
    );
  }
  // Unlocked: the chapter menu switches Kafka chapters.
  await withPage(browser, 'kafka-embed-menu', src.replace('&lock=1', ''), async (session) => {
    const { page } = session;
    await page.waitForSelector('#kafka-page #embed-chapter');
    await page.selectOption('#embed-chapter', '3');
    await page.waitForFunction(() => document.querySelector('#kafka-page').dataset.chapter === 'k-acks1-leader-crash');
    assertClean(session);
  });
});

test('a broken Kafka link says what is wrong and the saved Kafka run stays', async () => {
  await withPage(browser, 'kafka-broken', server.url('/'), async (session) => {
    const { page } = session;
    const before = await makeRun(page, 'en');
    const own = JSON.parse(Buffer.from(page.url().split('#run=')[1], 'base64url').toString('utf8'));
    const code = Buffer.from(JSON.stringify({ ...own, kafka: { ...own.kafka, chapter: 'k-no-such-chapter' } })).toString('base64url');
    await pasteLink(page, `${server.url('/')}#run=${code}`);
    const error = page.locator('#share-error');
    await error.waitFor({ state: 'visible' });
    assert.equal((await error.textContent()).replace('×', '').trim(), 'This share link could not be opened: the share link names an unknown Kafka chapter "k-no-such-chapter"');
    await page.waitForSelector('#kafka-page');
    assert.deepEqual(await kafkaState(page), before, 'the saved Kafka run, not the tour');
    await error.locator('button').click();
    assert.equal(await page.locator('#share-error').count(), 0);
    // A link that says Kafka but carries no Kafka run.
    const { kafka, ...rest } = own;
    const bare = Buffer.from(JSON.stringify(rest)).toString('base64url');
    await pasteLink(page, `${server.url('/')}#run=${bare}`);
    await page.locator('#share-error').waitFor({ state: 'visible' });
    assert.match(await page.locator('#share-error').textContent(), /opens the Kafka page but carries no Kafka run/);
    // On the Chinese page the message is Chinese; what it quotes from the link stays as it is.
    await page.locator('#share-error button').click();
    await setLang(page, 'zh');
    await pasteLink(page, `${server.url('/')}#run=${code}`);
    await page.locator('#share-error').waitFor({ state: 'visible' });
    assert.equal((await page.locator('#share-error').textContent()).replace('×', '').trim(), '无法打开此分享链接：分享链接指向未知的 Kafka 章节 "k-no-such-chapter"');
    assertClean(session);
  });
});

test('the copy-link button on the Kafka page copies the Kafka link', async () => {
  await withPage(browser, 'kafka-copy', server.url('/'), async (session) => {
    const { page, context } = session;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.origin });
    await makeRun(page, 'zh');
    await page.click('#copy-link');
    await page.waitForFunction(() => document.querySelector('#copy-status')?.textContent === '链接已复制');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await page.inputValue('#share-link'));
    assert.equal(JSON.parse(Buffer.from(copied.split('#run=')[1], 'base64url').toString('utf8')).system, 'kafka');
    assert.equal(await page.locator('#export-real').count(), 0, 'no RabbitMQ export on the Kafka page');
    assertClean(session);
  });
});
