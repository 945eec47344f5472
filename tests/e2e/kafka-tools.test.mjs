// End-to-end: the Kafka page's settings, the cross-system compare, the keyboard, removing an
// injected fault and the consumer group's whole name in the diagram, against dist/.
//
// What it checks, through the DOM only:
//   - settings: enable_idempotence on k-lost-response-no-idempotence changes the producer's
//     code and the verdicts (3 no longer duplicated), the title note names the change, a share
//     link carries it; acks=1 with idempotence at its default turns it off with kafka-python's
//     warning (the code leaves it out), ticking it then is refused with kafka-python's reason and the
//     run stays; the commit mode changes the consumer's code (English and Chinese);
//   - compare: k-crash-autocommit on both systems: Kafka at-least-once (0-3 duplicated, the
//     auto-commit rewinds), RabbitMQ (auto_ack=True) effectively-once (the crash comes before
//     the next publish, nothing was pushed ahead), with manual acks 3 duplicated (printed, not
//     acked); the two faults carried over; k-acks1's five faults have no counterpart, each
//     with its reason (English and Chinese);
//   - keyboard: →, ←, End, Home and space drive the Kafka transport;
//   - an injected fault's × removes it and the run is the chapter's again;
//   - the group's track is labelled "test_group" in full at 1280 and 390 px.
// Screenshots go to target/e2e-artifacts/kafka-tools-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, position, press, setLang, toKafka, chooseKafkaChapter } from './page-helpers.mjs';

const CJK = /[\u4e00-\u9fff]/;
let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function kafkaPos(page) {
  return page.evaluate(() => {
    const p = document.querySelector('#kafka-page');
    return { position: Number(p.dataset.position), len: Number(p.dataset.len) };
  });
}

async function endVerdicts(page) {
  await press(page, 'End');
  await page.waitForFunction(() => {
    const p = document.querySelector('#kafka-page');
    return p && p.dataset.position === p.dataset.len;
  });
  return page.$$eval('#messages tbody tr', (trs) => trs.map((tr) => ({ data: Number(tr.dataset.data), verdict: tr.dataset.verdict })));
}

const code = (page, actor) => page.locator(`#actors .actor[data-actor="${actor}"] pre.code`).textContent();

async function shot(page, t, name, widths = [1280, 390]) {
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(300);
    const file = await artifactPath(`kafka-tools-${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    t.diagnostic(`screenshot: ${file}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

for (const lang of ['en', 'zh']) {
  test(`Kafka settings change the code and the verdicts; a refused one says why (${lang})`, async (t) => {
    await withPage(browser, `kafka-settings-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      await toKafka(page);
      await setLang(page, lang);
      await chooseKafkaChapter(page, 'k-lost-response-no-idempotence');
      assert.match(await code(page, 'producer'), /enable_idempotence=False/);
      assert.deepEqual((await endVerdicts(page)).filter((r) => r.verdict === 'duplicated').map((r) => r.data), [3]);
      await page.check('#settings.kafka input[name="enable_idempotence"]');
      await page.waitForFunction(() => !document.querySelector('#actors .actor[data-actor="producer"] pre.code').textContent.includes('enable_idempotence=False'));
      assert.equal(await page.locator('#title-note').textContent(), lang === 'en' ? 'as written: enable_idempotence=False; you changed: enable_idempotence=True' : '原文：enable_idempotence=False；你改为：enable_idempotence=True');
      // The chapter's opening quotes the run as written: a note stands in for it.
      assert.equal(await page.locator('#narration .chapter-narration').count(), 1);
      assert.match(await page.locator('#settings-note').textContent(), lang === 'en' ? /^You changed settings/ : /^你修改了设置/);
      const after = await endVerdicts(page);
      assert.deepEqual(after.filter((r) => r.verdict !== 'processed_once'), [], 'idempotence: 3 stored once, every message processed once');
      assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'effectively-once');
      // The share link carries the settings.
      const json = JSON.parse(Buffer.from((await page.inputValue('#share-link')).split('#run=')[1], 'base64url').toString('utf8'));
      assert.equal(json.kafka.settings.enable_idempotence, true);
      // acks=1 with idempotence at its default: kafka-python turns idempotence off with a
      // warning (it raises only for an explicit enable_idempotence=True, which the code never has).
      await page.selectOption('#settings.kafka select[name="acks"]', '1');
      const note = page.locator('#kafka-settings-note');
      await note.waitFor({ state: 'visible' });
      assert.match(await note.textContent(), lang === 'en'
        ? /^Idempotence is off: .*logs "Idempotence will be disabled because user-provided config conflicts with idempotent defaults: acks=1" and runs without it\./
        : /^幂等已关闭：.*"Idempotence will be disabled because user-provided config conflicts with idempotent defaults: acks=1"/);
      assert.equal(await page.isChecked('#settings.kafka input[name="enable_idempotence"]'), false, 'the box shows the setting the run has');
      assert.match(await code(page, 'producer'), /acks=1/);
      // The code leaves enable_idempotence at its default (no explicit False: that would log
      // nothing), and the title lists only what the user changed.
      assert.doesNotMatch(await code(page, 'producer'), /enable_idempotence=False/);
      assert.equal(await page.locator('#title-note').textContent(), lang === 'en' ? 'as written: acks=\'all\', enable_idempotence=False; you changed: acks=1, enable_idempotence=True' : '原文：acks=\'all\'，enable_idempotence=False；你改为：acks=1，enable_idempotence=True');
      assert.deepEqual((await endVerdicts(page)).filter((r) => r.verdict === 'duplicated').map((r) => r.data), [3], 'without idempotence 3 is stored twice again');
      // Ticking enable_idempotence=True while acks=1 stands passes it explicitly: kafka-python
      // raises KafkaConfigurationError; the panel refuses with its text, the run stays (a
      // click: the box does not stay ticked).
      await page.click('#settings.kafka input[name="enable_idempotence"]');
      const raised = page.locator('#kafka-settings-error');
      await raised.waitFor({ state: 'visible' });
      assert.match(await raised.textContent(), /KafkaConfigurationError[:：] ?"enable_idempotence=True is incompatible with user-provided acks=1"/);
      assert.equal(await page.isChecked('#settings.kafka input[name="enable_idempotence"]'), false, 'the box shows the setting the run has');
      // A replication factor above the brokers: refused in the panel's words, the run stays.
      const before = await kafkaPos(page);
      await page.fill('#settings.kafka input[name="replication_factor"]', '4');
      await page.press('#settings.kafka input[name="replication_factor"]', 'Enter');
      const error = page.locator('#kafka-settings-error');
      await page.waitForFunction(() => (document.querySelector('#kafka-settings-error')?.textContent ?? '').includes('INVALID_REPLICATION_FACTOR'));
      assert.match(await error.textContent(), lang === 'en'
        ? /^This setting was refused: a replication factor of 4 needs at least 4 brokers and the cluster has \d: Kafka refuses to create the topic \(INVALID_REPLICATION_FACTOR\)\./
        : /^这个设置被拒绝：副本因子 4 至少需要 4 个 broker，而集群只有 \d 个：Kafka 拒绝创建该主题（INVALID_REPLICATION_FACTOR）。/);
      assert.deepEqual(await kafkaPos(page), before, 'the run stays');
      assert.notEqual(await page.inputValue('#settings.kafka input[name="replication_factor"]'), '4', 'the field shows the setting the run has');
      // The commit mode changes the consumer's code.
      await page.selectOption('#settings.kafka select[name="commit"]', 'after_processing');
      await page.waitForFunction(() => document.querySelector('#actors .actor[data-actor="consumer"] pre.code').textContent.includes('consumer.commit()'));
      assert.match(await code(page, 'consumer'), /enable_auto_commit=False/);
      assert.equal(await page.locator('#kafka-settings-error').count(), 0, 'a change that runs clears the refusal');
      if (lang === 'zh') assert.match(await page.locator('#settings.kafka').textContent(), CJK);
      await shot(page, t, `settings-${lang}`);
      assertClean(session);
    });
  });

  test(`compare: the same workload and faults on RabbitMQ and Kafka (${lang})`, async (t) => {
    await withPage(browser, `kafka-cross-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      await toKafka(page);
      await setLang(page, lang);
      await chooseKafkaChapter(page, 'k-crash-autocommit');
      await page.click('#btn-cross');
      await page.waitForSelector('#cross-compare .compare-side[data-side="rabbitmq"]');
      assert.equal(await page.getAttribute('#cross-compare .compare-side[data-side="kafka"]', 'data-label'), 'at-least-once');
      assert.equal(await page.getAttribute('#cross-compare .compare-side[data-side="rabbitmq"]', 'data-label'), 'effectively-once');
      const kafkaDup = (await page.locator('#cross-compare .compare-side[data-side="kafka"] li[data-count="duplicated"] .n').textContent()).trim();
      assert.equal(kafkaDup, '4');
      const rabbitCount = async (key) => (await page.locator(`#cross-compare .compare-side[data-side="rabbitmq"] li[data-count="${key}"] .n`).textContent()).trim();
      assert.deepEqual([await rabbitCount('processed_once'), await rabbitCount('lost'), await rabbitCount('duplicated')], ['10', '0', '0']);
      const mapped = await page.$$eval('#cross-mapped li', (lis) => lis.map((li) => li.textContent));
      assert.equal(mapped.length, 2);
      assert.match(mapped[0], lang === 'en' ? /Crash consumer after consumer's 4th print\(" \[x\] Received …"\) \(the chapter's\) → RabbitMQ: Crash consumer after consumer's 4th print\(" \[x\] Received …"\)/ : /^在 consumer 第 4 次 print\(" \[x\] Received …"\) 之后，杀死 consumer（本章自带） → RabbitMQ：在 consumer 第 4 次 print\(" \[x\] Received …"\) 之后，杀死 consumer$/);
      assert.match(mapped[1], /12000/);
      assert.equal(await page.locator('#cross-unmapped').count(), 0);
      // A print-tied fault is the same point of the program's work, not the same moment: said.
      const note = await page.locator('#cross-compare p.note').textContent();
      assert.match(note, lang === 'en' ? /may reach at different moments/ : /到达该位置的时刻可能不同/);
      if (lang === 'zh') assert.match(note, CJK);
      await shot(page, t, `compare-${lang}`);
      // A chapter whose faults have no RabbitMQ counterpart says so, one reason each.
      await chooseKafkaChapter(page, 'k-acks1-leader-crash');
      await page.waitForSelector('#cross-unmapped li');
      const unmapped = await page.$$eval('#cross-unmapped li', (lis) => lis.map((li) => li.textContent));
      assert.equal(unmapped.length, 5);
      assert.equal(await page.locator('#cross-mapped').count(), 0);
      assert.match(unmapped[2], lang === 'en' ? /Crash kafka@0 .*several.*no replica/ : /kafka@0 崩溃.*副本/);
      // The RabbitMQ page's settings run on the RabbitMQ side: with manual acks 3 was printed
      // and not acked when the consumer died, so it is redelivered and printed again.
      await chooseKafkaChapter(page, 'k-crash-autocommit');
      await page.click('#system-switch button[data-system="rabbitmq"]');
      await page.waitForSelector('#settings input[name="auto_ack"]');
      await page.uncheck('#settings input[name="auto_ack"]');
      await page.click('#system-switch button[data-system="kafka"]');
      await page.waitForSelector('#cross-compare .compare-side[data-side="rabbitmq"]');
      assert.deepEqual([await rabbitCount('lost'), await rabbitCount('duplicated')], ['0', '1']);
      assert.match(await page.locator('#cross-compare .compare-side[data-side="rabbitmq"] pre.code').textContent(), /basic_ack/);
      assertClean(session);
    });
  });
}

test('the keyboard drives the Kafka transport', async () => {
  await withPage(browser, 'kafka-keys', server.url('/'), async (session) => {
    const { page } = session;
    await toKafka(page);
    await press(page, 'ArrowRight');
    await press(page, 'ArrowRight');
    assert.equal((await kafkaPos(page)).position, 2);
    await press(page, 'ArrowLeft');
    assert.equal((await kafkaPos(page)).position, 1);
    await press(page, 'End');
    const end = await kafkaPos(page);
    assert.equal(end.position, end.len);
    await press(page, 'Home');
    assert.equal((await kafkaPos(page)).position, 0);
    await press(page, ' ');
    await page.waitForFunction(() => Number(document.querySelector('#kafka-page').dataset.position) > 0);
    await press(page, ' ');
    const paused = (await kafkaPos(page)).position;
    await page.waitForTimeout(700);
    assert.equal((await kafkaPos(page)).position, paused, 'space paused it');
    assert.equal((await position(page)).step, paused);
    assertClean(session);
  });
});

test('an injected fault can be removed; the group name is whole in the diagram', async (t) => {
  await withPage(browser, 'kafka-remove', server.url('/'), async (session) => {
    const { page } = session;
    await toKafka(page);
    const original = await kafkaPos(page);
    for (let i = 0; i < 30; i++) await page.click('#btn-step');
    await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="crash"]');
    await page.waitForSelector('#injected li');
    assert.notEqual((await kafkaPos(page)).len, original.len, 'the crash changed the run');
    await page.click('#injected li button.remove-fault');
    await page.waitForSelector('#injected', { state: 'detached' });
    assert.deepEqual(await kafkaPos(page), { position: 30, len: original.len }, 'the chapter as written again, at the same step');
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(300);
      const labels = await page.$$eval('#diagram.kafka g.ktrack text.track-label', (ts) => ts.map((t) => t.textContent));
      assert.deepEqual(labels, ['test_group'], `${width} px`);
      const file = await artifactPath(`kafka-tools-diagram-${width}.png`);
      await page.locator('#diagram.kafka').screenshot({ path: file });
      t.diagnostic(`screenshot: ${file}`);
    }
    assertClean(session);
  });
});

test('a saved Kafka scenario loads back on the Kafka page; a file opens the page of its system; a bad file is refused and the run stays', async (t) => {
  await withPage(browser, 'kafka-load', server.url('/'), async (session) => {
    const { page } = session;
    await toKafka(page);
    await chooseKafkaChapter(page, 'k-workload');
    for (let i = 0; i < 30; i++) await page.click('#btn-step');
    await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="crash"]');
    await page.waitForSelector('#injected li');
    const crashed = await endVerdicts(page);
    const len = (await kafkaPos(page)).len;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-scenario')]);
    const text = await readFile(await download.path(), 'utf8');
    const file = JSON.parse(text);
    assert.equal(file.broker.model, 'kafka');
    assert.equal(file.faults.length, 1, 'the injected crash is in the file');
    // Saved from the Chinese page, a chapter's file has the chapter's Chinese title.
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    const [zhDownload] = await Promise.all([page.waitForEvent('download'), page.click('#save-scenario')]);
    assert.equal(JSON.parse(await readFile(await zhDownload.path(), 'utf8')).title, 'Kafka：基本流程');
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'en');

    // Another chapter, then the file: the same run, from step 0, with no share link.
    await chooseKafkaChapter(page, 'k-commit-before');
    const load = (name, body) => page.setInputFiles('#load-scenario', { name, mimeType: 'application/json', buffer: Buffer.from(body) });
    await load('mine.json', text);
    await page.waitForFunction(() => (document.querySelector('#chapter-title')?.textContent ?? '').startsWith('Loaded: k-workload'));
    assert.deepEqual(await kafkaPos(page), { position: 0, len });
    assert.equal(await page.locator('#kafka-page .chapters button.current').count(), 0, 'no chapter is current');
    assert.equal(await page.isDisabled('#copy-link'), true, 'a link cannot carry a loaded file');
    assert.equal(await page.inputValue('#share-link'), '', 'no link of another run is shown');
    assert.match(await page.getAttribute('#share-link', 'placeholder'), /^A loaded scenario has no share link/);
    assert.deepEqual(await endVerdicts(page), crashed, 'the same verdicts as the run that was saved');
    await page.click('#btn-reset');
    assert.deepEqual(await kafkaPos(page), { position: 0, len }, 'reset starts the loaded file over');
    await shot(page, t, 'loaded', [1280]);

    // A bad Kafka file names its problem and the file; the run stays.
    const bad = structuredClone(file);
    bad.broker.min_insync_replicas = 0;
    await load('bad-kafka.json', JSON.stringify(bad));
    await page.waitForFunction(() => document.querySelector('#load-error')?.textContent.includes('broker.min_insync_replicas: must be at least 1'));
    assert.match(await page.textContent('#load-error'), /bad-kafka\.json/);
    assert.deepEqual(await kafkaPos(page), { position: 0, len });

    // A RabbitMQ file opens the RabbitMQ page; the Kafka file from there opens the Kafka page.
    await load('rabbit.json', await readFile('src/scenario/catalog/consumer-crash-manual-ack.json', 'utf8'));
    await page.waitForSelector('#kafka-page', { state: 'detached' });
    // The run changes once the narration module is there (it may be fetched now).
    await page.waitForFunction(() => /^Loaded: consumer-crash-manual-ack/.test(document.querySelector('#narration h2')?.textContent ?? ''), null, { timeout: 60_000 });
    await load('mine.json', text);
    await page.waitForSelector('#kafka-page');
    await page.waitForFunction(() => (document.querySelector('#chapter-title')?.textContent ?? '').startsWith('Loaded: k-workload'));
    // Choosing a chapter leaves the loaded file.
    await chooseKafkaChapter(page, 'k-workload');
    assert.doesNotMatch(await page.textContent('#chapter-title'), /^Loaded/);
    assert.equal(await page.isDisabled('#copy-link'), false);
    assertClean(session);
  });
});

test('at the end of a run a fault still applies: a stopped broker started again continues the run', async () => {
  await withPage(browser, 'kafka-end-fault', server.url('/'), async (session) => {
    const { page } = session;
    await toKafka(page);
    await chooseKafkaChapter(page, 'k-workload');
    for (let i = 0; i < 10; i++) await page.click('#btn-step');
    await page.click('#faults .fault-group[data-broker="0"] button[data-fault="stop_node"]');
    await page.waitForSelector('#injected li');
    await press(page, 'End');
    const end = await kafkaPos(page);
    assert.equal(end.position, end.len);
    const start = page.locator('#faults .fault-group[data-broker="0"] button[data-fault="start_node"]');
    assert.equal(await start.isEnabled(), true, 'Start kafka@0 is offered at the end');
    await start.click();
    await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 2);
    const after = await kafkaPos(page);
    assert.equal(after.position, end.position, 'the fork stays at the step');
    assert.ok(after.len > end.len, `the run goes on (${end.len} → ${after.len} steps)`);
    assertClean(session);
  });
});
