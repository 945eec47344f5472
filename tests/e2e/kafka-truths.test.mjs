// End-to-end: what the Kafka page says mid-run and in its terminals is true of the run on
// screen (the learner walk's findings), in English and Chinese, against dist/:
//   - k-commit-before: {'data': 3} is lost (with its cause) from the step its consumer died
//     with the offset already committed past it, not only at the end; pending before;
//   - k-crash-autocommit: a duplicate's cause shows mid-run once its row is settled, and a
//     pending row has none;
//   - the lost-response duplicate names the producer's retry (no hedge);
//   - an out-of-order record after a takeover names the session expiry, not "whatever order";
//   - CTRL+C (Stop) ends a terminal with KeyboardInterrupt; a restart shows a separator;
//   - the Kafka module's load error is in the page's language, and follows a language switch.
// Screenshots go to target/e2e-artifacts/kafka-truths-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, position, setLang, toKafka, chooseKafkaChapter } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function shot(page, t, name) {
  const file = await artifactPath(name);
  await page.screenshot({ path: file, fullPage: true });
  t.diagnostic(`screenshot: ${file}`);
}

const row = (page, data) => page.locator(`#messages tbody tr[data-data="${data}"]`);
const cause = async (page, data) => ((await row(page, data).locator('td.cause').textContent()) ?? '').trim();
const terminal = async (page, actor) => ((await page.locator(`#actors .actor[data-actor="${actor}"] pre.terminal`).textContent()) ?? '');
const status = (page, actor) => page.getAttribute(`#actors .actor[data-actor="${actor}"]`, 'data-status');

async function step(page) {
  const before = (await position(page)).step;
  await page.click('#btn-step');
  await page.waitForFunction((b) => Number(document.querySelector('#kafka-page')?.dataset.position) > b, before);
}

async function toKafkaEnd(page) {
  await page.click('#btn-end');
  await page.waitForFunction(() => {
    const p = document.querySelector('#kafka-page');
    return p && p.dataset.position === p.dataset.len;
  });
}

// A k-crash-autocommit run with 2 partitions and a second consumer, the first killed after its
// first print and never restarted: consumer2 takes partition 1 over after the dead member's
// session expired (45 s) and prints 3 after its own 5.
const TAKEOVER = {
  name: 'k-takeover', title: 'Two partitions, two consumers; one is killed after its first print', seed: 1,
  broker: { model: 'kafka', brokers: 1 },
  topics: [{ name: 'test_topic', partitions: 2, replication_factor: 1 }],
  actors: [
    { role: 'producer', name: 'producer', messages: 10, interval_ms: 50, start_ms: 10000 },
    { role: 'consumer', name: 'consumer', group_id: 'test_group', auto_offset_reset: 'earliest', commit: 'auto' },
    { role: 'consumer', name: 'consumer2', group_id: 'test_group', auto_offset_reset: 'earliest', commit: 'auto' },
  ],
  faults: [{ when: { after: { actor: 'consumer', op: 'print_received', occurrence: 1 } }, do: { crash: 'consumer' } }],
};

for (const lang of ['en', 'zh']) {
  const en = lang === 'en';

  test(`commit before processing: lost from the crash on, with its cause; settled causes mid-run (${lang})`, async (t) => {
    await withPage(browser, `kafka-truths-lost-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      await toKafka(page);
      await setLang(page, lang);
      await chooseKafkaChapter(page, 'k-commit-before');
      let crashed = false;
      for (let i = 0; i < 400 && !crashed; i++) {
        await step(page);
        crashed = (await status(page, 'consumer')) === 'crashed';
        if (!crashed && (await row(page, 3).count()) > 0) {
          assert.equal(await row(page, 3).getAttribute('data-verdict'), 'pending', 'pending while its consumer lives');
          assert.equal(await cause(page, 3), '', 'no cause while pending');
        }
      }
      assert.ok(crashed, 'the consumer crashes');
      const { step: at, steps } = await position(page);
      assert.ok(at < steps, 'mid-run');
      assert.equal(await row(page, 3).getAttribute('data-verdict'), 'lost', 'lost from the crash on');
      assert.match(await cause(page, 3), en
        ? /^received and printed ×1, and its offset committed before its processing \(commit before processing\); its consumer was killed before its processing finished/
        : /^收到并打印了 1 次，它的位点在处理之前就已提交（先提交后处理）；它的消费者在处理完成之前被杀死/);
      assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'at-most-once', 'the label says the loss at once');
      await shot(page, t, `kafka-truths-lost-${lang}.png`);
      // Still lost, with the same cause, one step later and at the end.
      await step(page);
      assert.equal(await row(page, 3).getAttribute('data-verdict'), 'lost');
      await toKafkaEnd(page);
      assert.equal(await row(page, 3).getAttribute('data-verdict'), 'lost');

      // Auto-commit and a crash: once the replacement printed 0 again, 0's row is settled
      // (duplicated, as at the end) and shows its cause; a pending row shows none.
      await chooseKafkaChapter(page, 'k-crash-autocommit');
      let settled = false;
      for (let i = 0; i < 600 && !settled; i++) {
        await step(page);
        settled = (await row(page, 0).count()) > 0 && (await row(page, 0).getAttribute('data-printed')) === '2';
      }
      assert.ok(settled, '0 is printed twice');
      const { step: now, steps: len } = await position(page);
      assert.ok(now < len, 'mid-run');
      assert.equal(await row(page, 0).getAttribute('data-verdict'), 'duplicated');
      assert.match(await cause(page, 0), en ? /^replayed from committed offset 0 of partition 0 after the rebalance/ : /^重平衡后从分区 0 的已提交位点 0 重放/);
      const pending = page.locator('#messages tbody tr[data-verdict="pending"] td.cause');
      assert.ok((await pending.count()) > 0, 'some rows are still pending');
      for (const text of await pending.allTextContents()) assert.equal(text.trim(), '');
      await shot(page, t, `kafka-truths-settled-${lang}.png`);
      assertClean(session);
    });
  });

  test(`a duplicate's cause names the retry; an out-of-order one the takeover (${lang})`, async (t) => {
    await withPage(browser, `kafka-truths-causes-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      await toKafka(page);
      await setLang(page, lang);
      await chooseKafkaChapter(page, 'k-lost-response-no-idempotence');
      await toKafkaEnd(page);
      assert.equal(await row(page, 3).first().getAttribute('data-verdict'), 'duplicated');
      const dup = (await row(page, 3).first().locator('td.cause').textContent()).trim();
      assert.match(dup, en ? /got no answer within request_timeout_ms \(the response was lost\) and retried it in the same process; without idempotence/ : /在 request_timeout_ms 内没有收到回答（响应丢失了），于是在同一个进程里重试；未开启幂等/);
      assert.doesNotMatch(dup, en ? /restarted producer/ : /重启的生产者/);

      await page.setInputFiles('#load-scenario', { name: 'k-takeover.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(TAKEOVER)) });
      await page.waitForFunction(() => /k-takeover/.test(document.querySelector('#chapter-title')?.textContent ?? ''));
      await toKafkaEnd(page);
      assert.equal(await row(page, 3).getAttribute('data-verdict'), 'out_of_order');
      const ooo = await cause(page, 3);
      assert.match(ooo, en
        ? /^printed after \{'data': 5\} \(partition 0\), a later record the same consumer had printed before it: this consumer got partition 1 only afterwards, at the rebalance that followed the expiry of a dead member's session \(no heartbeat for session_timeout_ms = 45 s\), and read partition 1 from offset 0/
        : /之后才拿到分区 1，是在一个已死成员的会话过期（session_timeout_ms = 45 秒内没有心跳）之后的重平衡中/);
      assert.doesNotMatch(ooo, /whatever order|按拉取返回的先后/);
      await row(page, 3).scrollIntoViewIfNeeded();
      await shot(page, t, `kafka-truths-takeover-${lang}.png`);
      assertClean(session);
    });
  });

  test(`CTRL+C ends a terminal with KeyboardInterrupt; a restart shows a separator (${lang})`, async (t) => {
    await withPage(browser, `kafka-truths-terminal-${lang}`, server.url('/'), async (session) => {
      const { page } = session;
      await toKafka(page);
      await setLang(page, lang);
      await chooseKafkaChapter(page, 'k-workload');
      for (let i = 0; i < 300 && !(await terminal(page, 'consumer')).includes("{'data': 2}"); i++) await step(page);
      await page.click('#faults .fault-group[data-actor="consumer"] button[data-fault="stop"]');
      await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 1);
      // Its finally: consumer.close() runs first (commit, LeaveGroup); Python prints the
      // traceback once the program ends.
      for (let i = 0; i < 50 && (await status(page, 'consumer')) !== 'stopped'; i++) {
        await step(page);
        if ((await status(page, 'consumer')) === 'running') assert.notEqual((await terminal(page, 'consumer')).split('\n').at(-1), 'KeyboardInterrupt', 'not while close() runs');
      }
      assert.equal(await status(page, 'consumer'), 'stopped');
      const lines = (await terminal(page, 'consumer')).split('\n');
      assert.equal(lines.at(-1), 'KeyboardInterrupt', 'the traceback\'s last line');
      assert.equal(lines.at(-2), " [x] Received {'data': 2}");
      // The producer killed, then started again: a separator between its two processes.
      await page.click('#faults .fault-group[data-actor="producer"] button[data-fault="crash"]');
      await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 2);
      await step(page);
      await page.waitForSelector('#actors .actor[data-actor="producer"][data-status="crashed"]');
      await page.click('#faults .fault-group[data-actor="producer"] button[data-fault="restart"]');
      await page.waitForFunction(() => document.querySelectorAll('#injected li').length === 3);
      const separator = en ? '── started again: a new process ──' : '── 重新启动：新的进程 ──';
      for (let i = 0; i < 100 && !(await terminal(page, 'producer')).split(separator)[1]?.includes('Sent'); i++) await step(page);
      const [first, second] = (await terminal(page, 'producer')).split(`\n${separator}\n`);
      assert.match(first, /Sent \{'data': 2\}/);
      assert.match(second ?? '', /^ \[x\] Sent \{'data': 0\}/, 'the new process starts at 0');
      await shot(page, t, `kafka-truths-terminal-${lang}.png`);
      assertClean(session);
    });
  });
}

test('the Kafka module\'s load error is in the page\'s language and follows a switch', async (t) => {
  await withPage(browser, 'kafka-truths-load-error', server.url('/'), async (session) => {
    const { page } = session;
    await setLang(page, 'zh');
    await page.route(/split_kafka-[0-9a-f]+\.wasm$/, (route) => route.abort());
    await page.click('#system-switch button[data-system=kafka]');
    const error = page.locator('#share-error');
    await error.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await error.textContent(), /^无法获取 Kafka 页面的代码（split_kafka\.wasm）：请检查网络连接后重试。/);
    await shot(page, t, 'kafka-truths-load-error-zh.png');
    await setLang(page, 'en');
    assert.match(await error.textContent(), /^The Kafka page's code \(split_kafka\.wasm\) could not be fetched/);
    await page.click('#share-error button');
    assert.equal(await error.count(), 0, 'dismissed');
  });
});
