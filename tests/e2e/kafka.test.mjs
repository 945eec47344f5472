// End-to-end: Kafka on the page (issue 10 §3), against the release build in dist/.
//
// What it checks, through the DOM only:
//   - the header's system switch (RabbitMQ | Kafka) shows the Kafka page and back, and the
//     RabbitMQ page comes back as it was (its chapter, its step);
//   - the six Kafka chapters, in tour order, each with a title and an opening that quotes its
//     run (k-crash-autocommit: 0, 1, 2, 3 duplicated; k-acks1-leader-crash: 5 lost), the
//     Kafka diagram, the programs and terminals, and at the end the verdict table the run
//     ends with, in English and Chinese;
//   - a consumer crash injected in k-workload after it printed {'data': 3}, then its restart:
//     the replacement rereads from the last committed offset and the table shows 0-3
//     duplicated (printed twice), in both languages;
//   - the diagram's log cells hold the payloads the table says are at their offsets;
//   - no console error. Screenshots (360 and 1366 px) go to target/e2e-artifacts/kafka-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, position, setLang, toKafka, chooseKafkaChapter } from './page-helpers.mjs';

const CJK = /[\u4e00-\u9fff]/;
const CHAPTERS = ['k-workload', 'k-crash-autocommit', 'k-commit-before', 'k-acks1-leader-crash', 'k-lost-response-no-idempotence', 'k-idempotent-lost-response'];
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

async function toKafkaEnd(page) {
  await page.click('#btn-end');
  await page.waitForFunction(() => {
    const p = document.querySelector('#kafka-page');
    return p && p.dataset.position === p.dataset.len;
  });
}

async function rows(page) {
  return page.$$eval('#messages tbody tr', (trs) => trs.map((tr) => ({ data: Number(tr.dataset.data), verdict: tr.dataset.verdict, printed: Number(tr.dataset.printed), text: tr.textContent })));
}

test('the system switch shows Kafka and brings RabbitMQ back as it was', async () => {
  await withPage(browser, 'kafka-switch', server.url('/'), async (session) => {
    const { page } = session;
    await page.click('#btn-step');
    await page.click('#btn-step');
    const before = await position(page);
    const chapter = await page.getAttribute('main.playground', 'data-chapter');
    await toKafka(page);
    assert.equal(await page.getAttribute('#system-switch button[data-system="kafka"]', 'aria-pressed'), 'true');
    assert.equal(await page.locator('#kafka-page').count(), 1);
    assert.equal((await position(page)).step, 0, 'the Kafka chapter opens at step 0');
    await page.click('#system-switch button[data-system="rabbitmq"]');
    await page.waitForSelector('#kafka-page', { state: 'detached' });
    assert.equal(await page.getAttribute('main.playground', 'data-chapter'), chapter);
    assert.deepEqual(await position(page), before);
    assertClean(session);
  });
});

test('the six Kafka chapters, their openings, diagram, code and verdicts, in English and Chinese', async (t) => {
  await withPage(browser, 'kafka-chapters', server.url('/'), async (session) => {
    const { page } = session;
    await toKafka(page);
    const ids = await page.$$eval('#kafka-page #tour button.chapter', (bs) => bs.map((b) => b.dataset.chapter));
    assert.deepEqual(ids, CHAPTERS);
    for (const lang of ['en', 'zh']) {
      await setLang(page, lang);
      for (const id of CHAPTERS) {
        await chooseKafkaChapter(page, id);
        const title = (await page.locator('#chapter-title').textContent()).trim();
        const opening = (await page.locator('#narration .chapter-narration').textContent()).trim();
        assert.ok(title.length > 0 && opening.length > 40, `${id}: a title and an opening`);
        if (lang === 'zh') assert.match(opening, CJK, `${id}: the opening is in Chinese`);
        assert.ok((await page.locator('#actors .actor').count()) >= 2, `${id}: the programs`);
        await page.click('#btn-step');
        await page.waitForFunction(() => document.querySelector('#kafka-page')?.dataset.position === '1');
        const step = (await page.locator('#step-narration').textContent()).trim();
        assert.ok(step.length > 3 && step !== '…', `${id}: step 1 is narrated: ${step}`);
        await toKafkaEnd(page);
        const table = await rows(page);
        assert.ok(table.length > 0, `${id}: the verdict table`);
        // The diagram's cells name the payload the log holds at their offset (the table's records).
        const cells = await page.$$eval('g.kpartition g.kcell rect.cell[data-data]', (rs) => rs.map((r) => ({ offset: Number(r.closest('g.kcell').dataset.offset), data: Number(r.dataset.data) })));
        assert.ok(cells.length > 0, `${id}: the log is drawn`);
        for (const cell of cells) {
          const row = table.find((r) => r.data === cell.data);
          assert.ok(row && new RegExp(`@${cell.offset}(?!\\d)`).test(row.text), `${id}: the cell at offset ${cell.offset} holds {'data': ${cell.data}}, as its row says: ${row?.text}`);
        }
        const dup = table.filter((r) => r.verdict === 'duplicated').map((r) => r.data);
        const lost = table.filter((r) => r.verdict === 'lost').map((r) => r.data);
        if (id === 'k-crash-autocommit') {
          assert.deepEqual(dup, [0, 1, 2, 3]);
          assert.match(opening, /0, 1, 2, 3/);
          assert.ok(table.filter((r) => r.verdict === 'duplicated').every((r) => r.printed === 2), 'each duplicate was printed twice');
        }
        if (id === 'k-commit-before') assert.deepEqual(lost, [3]);
        if (id === 'k-acks1-leader-crash') {
          assert.deepEqual(lost, [5]);
          assert.match(opening, /5/);
          assert.equal(await page.locator('g.kbroker').count(), 3, 'three brokers drawn');
          // The chapter's crash brings the broker back by itself: its listed fault says so.
          assert.match(await page.locator('#chapter-faults').textContent(), lang === 'en' ? /Crash kafka@0 \(it restarts by itself\)/ : /kafka@0 崩溃（随后自动重启）/);
        }
        if (id === 'k-lost-response-no-idempotence') assert.deepEqual(dup, [3]);
        if (id === 'k-idempotent-lost-response' || id === 'k-workload') assert.deepEqual([...dup, ...lost], []);
        const outcome = (await page.locator('#outcome').textContent()).trim();
        assert.ok(outcome.length > 10, `${id}: the outcome at the end`);
        if (lang === 'zh') assert.match(outcome, CJK);
        if (id === 'k-acks1-leader-crash') {
          for (const [w, h] of [[1366, 900], [360, 800]]) {
            await page.setViewportSize({ width: w, height: h });
            await page.waitForTimeout(300);
            await shot(page, t, `kafka-acks1-${lang}-${w}.png`);
          }
          await page.setViewportSize({ width: 1280, height: 900 });
        }
      }
    }
    assertClean(session);
  });
});

test('a consumer crash injected in k-workload, then its restart: 0-3 duplicated', async (t) => {
  for (const lang of ['en', 'zh']) {
    await withPage(browser, `kafka-inject-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      await toKafka(page);
      await setLang(page, lang);
      await chooseKafkaChapter(page, 'k-workload');
      // At step 0 nothing runs: no crash, and no restart of a program that never started; each says why.
      const button = (fault) => page.locator(`#faults .fault-group[data-actor="consumer"] button[data-fault="${fault}"]`);
      assert.equal((await position(page)).step, 0);
      for (const fault of ['crash', 'restart']) {
        assert.equal(await button(fault).isDisabled(), true, fault);
        assert.equal(await button(fault).getAttribute('title'), lang === 'en' ? 'consumer has not started yet' : 'consumer 还没有启动');
      }
      // Step until the consumer has printed {'data': 3}.
      for (let i = 0; i < 200; i++) {
        const terminal = (await page.locator('#actors .actor[data-actor="consumer"] pre.terminal').textContent()) ?? '';
        if (terminal.includes("{'data': 3}")) break;
        await page.click('#btn-step');
      }
      const terminal = await page.locator('#actors .actor[data-actor="consumer"] pre.terminal').textContent();
      assert.match(terminal, /Received \{'data': 3\}/);
      const at = (await position(page)).step;
      await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="crash"]');
      await page.waitForSelector('#injected li');
      assert.equal((await position(page)).step, at, 'the fork stays at the step');
      await page.click('#btn-step');
      await page.waitForSelector('#actors .actor[data-actor="consumer"][data-status="crashed"]');
      assert.equal(await button('crash').getAttribute('title'), lang === 'en' ? 'consumer is already down (crashed)' : 'consumer 已经不在运行（已崩溃）');
      await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="restart"]');
      await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 2);
      await toKafkaEnd(page);
      const table = await rows(page);
      assert.deepEqual(table.filter((r) => r.verdict === 'duplicated').map((r) => r.data), [0, 1, 2, 3]);
      assert.ok(table.filter((r) => r.verdict === 'duplicated').every((r) => r.printed === 2));
      const label = await page.getAttribute('#verdict-summary', 'data-label');
      assert.equal(label, 'at-least-once');
      const dupCount = (await page.locator('#counts li[data-count="duplicated"] .n').textContent()).trim();
      assert.equal(dupCount, '4');
      const cause = (await page.locator('#messages tbody tr[data-verdict="duplicated"] td.cause').first().textContent()).trim();
      assert.ok(cause.length > 10, 'the cause of a duplicate is given');
      if (lang === 'zh') {
        assert.match(cause, CJK);
        assert.match(await page.locator('#messages tbody tr[data-verdict="duplicated"] td.verdict-cell').first().textContent(), CJK);
      }
      for (const [w, h] of [[1366, 900], [360, 800]]) {
        await page.setViewportSize({ width: w, height: h });
        await page.waitForTimeout(300);
        await shot(page, t, `kafka-inject-${lang}-${w}.png`);
      }
      assertClean(session);
    });
  }
});

// The k10 walk's findings, on the page: a commit-before loss is said as received, printed and
// committed, its processing never finished; the client's own retry is not a send() call; a
// lone broker that is down is no follower; the Chinese fault button reads as Chinese.
for (const lang of ['en', 'zh']) {
  test(`Kafka page words agree with the run (k10 walk) (${lang})`, async () => {
    await withPage(browser, `kafka-k10-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      await toKafka(page);
      await setLang(page, lang);
      await chooseKafkaChapter(page, 'k-commit-before');
      await toKafkaEnd(page);
      const lost = page.locator('#messages tbody tr[data-data="3"]');
      assert.equal(await lost.getAttribute('data-verdict'), 'lost');
      assert.equal(await lost.getAttribute('data-printed'), '1');
      assert.match(await lost.locator('td.cause').textContent(), lang === 'en'
        ? /^received and printed ×1, and its offset committed before its processing \(commit before processing\); its consumer was killed before its processing finished/
        : /^收到并打印了 1 次，它的位点在处理之前就已提交（先提交后处理）；它的消费者在处理完成之前被杀死/);
      await chooseKafkaChapter(page, 'k-lost-response-no-idempotence');
      await toKafkaEnd(page);
      const log = await page.locator('#event-log').textContent();
      assert.match(log, lang === 'en' ? /retry 1 of \{'data': 3\}: kafka-python's sender sent it again/ : /\{'data': 3\} 的第 1 次重试：kafka-python 的发送线程自行/);
      assert.equal((log.match(lang === 'en' ? /called send\(\) with \{'data': 3\}/g : /调用 send\(\) 发送 \{'data': 3\}/g) ?? []).length, 1, 'one send() call of 3');
      await chooseKafkaChapter(page, 'k-workload');
      const drop = page.locator('#faults .fault-group[data-broker="0"] button[data-fault="drop_next"]');
      assert.equal((await drop.textContent()).trim(), lang === 'en' ? 'Drop next response to producer (kafka@0)' : '丢弃 kafka@0 发往 producer 的下一条响应');
      await page.click('#faults .fault-group[data-broker="0"] button[data-fault="crash_node"]');
      await page.waitForSelector('#injected li');
      const replica = page.locator('g.kreplica[data-broker="0"]').first();
      // Step until the partition has lost its leader (the lone broker is down).
      for (let i = 0; i < 30 && (await replica.getAttribute('data-role')) !== 'replica'; i++) await page.click('#btn-step');
      assert.equal(await replica.getAttribute('data-role'), 'replica');
      assert.match(await replica.locator('title').textContent(), lang === 'en' ? /^kafka@0 · replica \(no leader to follow\) · / : /^kafka@0 · 副本（没有可跟随的领导者） · /);
      assertClean(session);
    });
  });
}
