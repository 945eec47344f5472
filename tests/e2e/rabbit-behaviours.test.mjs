// End-to-end: what a learner sees of RabbitMQ's own behaviours, each loaded from its scenario
// file in tests/conformance/scenarios/ (each checked against a real RabbitMQ 3.10.8) through
// the page's "Load scenario" input, against the release build in dist/.
//
// For each scenario, at the run's end, in English and in Chinese:
//   - the page ran the same run as `qp run FILE` (same trace hash);
//   - each actor's terminal ends with the line the real program prints (the exception text);
//   - the code panel marks the line that raised (`.line.died`, "✕ failed"/"✕ 出错退出"), or,
//     for the actor of the key event, the line it was on when that event happened;
//   - each message's verdict (lost, never sent, redelivered ↻, duplicated, stranded) and the
//     cause a learner reads; the verdict summary's label (also when nothing was published) and,
//     where it matters, the outcome line and the diagram's flags of a queue that does not exist;
//   - no raw engine name (ExchangeMissing, silent_client_dropped, ...) anywhere on the page;
//   - the sentence that narrates the key event, in the event log and, after a click on it,
//     as the step's narration.
// The expected values were read off `cargo run --bin qp -- run --trace FILE` (the report's
// terminals, verdicts and events), not written from the scenario's title.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { withPage, artifactPath, servePage, runCli, ROOT } from './harness.mjs';
import { assertClean, toEnd, setLang } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

/** `text` as a RegExp source matching it literally. */
const esc = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const SCENARIOS = path.join(ROOT, 'tests', 'conformance', 'scenarios');
const WAITING = ' [*] Waiting for messages. To exit press CTRL+C';

/** Loads `tests/conformance/scenarios/NAME.json` through `#load-scenario`; waits for the run `qp run` gives. */
async function loadScenario(page, name) {
  const file = path.join(SCENARIOS, `${name}.json`);
  const report = await runCli(['run', file]);
  await page.setInputFiles('#load-scenario', file);
  await page.waitForFunction((h) => document.querySelector('#verdict-summary')?.dataset.traceHash === h, report.trace_hash, { timeout: 30_000 });
  assert.match(await page.textContent('#chapter-title'), new RegExp(`^(Loaded:|已加载：) ?${name}`));
  return report;
}

/** What the page shows at this moment: terminals, died lines, verdict rows, event log. */
async function shown(page) {
  return page.evaluate(() => {
    const actors = {};
    for (const a of document.querySelectorAll('#actors .actor')) {
      const died = a.querySelector('.code .line.died');
      const current = a.querySelector('.code .line.current');
      const text = (line) => line && Array.from(line.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
      const terminal = a.querySelector('.terminal').textContent.split('\n');
      actors[a.dataset.actor] = {
        status: a.dataset.status,
        heading: a.querySelector('h3').textContent,
        last: terminal[terminal.length - 1],
        terminal,
        died: text(died),
        diedMark: died?.querySelector('.died-mark')?.textContent.trim() ?? null,
        current: text(current),
      };
    }
    const rows = Array.from(document.querySelectorAll('#messages tr.verdict-row')).map((tr) => ({
      data: Number(tr.dataset.data),
      verdict: tr.dataset.verdict,
      redelivered: tr.classList.contains('was-redelivered'),
      cell: tr.querySelector('.verdict-cell').textContent,
      cause: tr.querySelector('td:last-child').textContent,
    }));
    const log = Array.from(document.querySelectorAll('#event-log li[data-event]')).map((li) => ({
      event: Number(li.dataset.event),
      text: li.textContent.replace(/^\d+ ms /, ''),
    }));
    return { actors, rows, log, label: document.querySelector('#verdict-summary')?.dataset.label };
  });
}

/**
 * From the end, clicks the event log's entry for event `index` (a learner asking "show me that
 * moment"); waits until the step narration matches `sentence`, returns that narration.
 */
async function seekToEvent(page, index, sentence) {
  await toEnd(page);
  await page.click(`#event-log li[data-event="${index}"]`);
  await page
    .waitForFunction(([source, flags]) => new RegExp(source, flags).test(document.querySelector('#step-narration')?.textContent ?? ''),
      [sentence.source.replace(/^\^|\$$/g, ''), sentence.flags], { timeout: 10_000 })
    .catch(() => {});
  return page.textContent('#step-narration');
}

const RAW = /\b(ExchangeMissing|ExchangeNotFound|QueueInequivalent|QueueNotFound|SilentClientDropped|ChannelError|Unroutable|StreamLost|Returned|NodeCrashed|never_sent|processed_once|dead_lettered|exchange_missing|silent_client_dropped|channel_error)\b/;
const VERDICT_ZH = { lost: '丢失', never_sent: '从未发送', redelivered: '重新投递', duplicated: '重复', processed_once: '处理一次', stranded: '滞留' };
const VERDICT_EN = { lost: 'lost', never_sent: 'never sent', redelivered: 'redelivered', duplicated: 'duplicated', processed_once: 'processed once', stranded: 'stranded' };

/**
 * One scenario, both languages. `expect`:
 *   verdicts: [verdict per message, in order] (a trailing '↻' for a message marked redelivered);
 *   terminals: { actor: its terminal's last line } (the same in both languages: it is the program's output);
 *   died: { actor: the code line marked ✕ } (failed or crashed actors), with its status label;
 *   keys: [{ event, actor?, line?, en, zh }]: the key events (trace index), the sentence (a
 *     RegExp) in each language, and the actor whose code line `line` is marked at that step;
 *   outcome: [en RegExp, zh RegExp] for the outcome line; queueFlags: { queue: [en, zh] };
 *   causes: { data: [en RegExp, zh RegExp] } for verdicts whose cause a learner reads;
 *   exchange: { name, missing } for the diagram's exchange at the end.
 */
async function check(name, expect, t) {
  await withPage(browser, `behaviour-${name}`, server.url('/'), async (session) => {
    const { page } = session;
    const report = await loadScenario(page, name);
    // The expectations are the engine's: if they drift apart, say so before the page is blamed.
    assert.deepEqual(report.messages.map((m) => m.verdict), expect.verdicts.map((v) => v.replace(' ↻', '')), `${name}: qp run gives the verdicts this test expects`);
    for (const [actor, line] of Object.entries(expect.terminals)) {
      const a = report.actors.find((x) => x.name === actor);
      assert.equal(a.terminal[a.terminal.length - 1], line, `${name}: qp run prints this last line for ${actor}`);
    }
    await toEnd(page);
    for (const lang of ['en', 'zh']) {
      await setLang(page, lang);
      const s = await shown(page);
      assert.equal(await page.textContent('#chapter-title'), lang === 'en' ? `Loaded: ${name}` : `已加载：${name}`, `${name} (${lang}): the title`);
      assert.equal(s.label, expect.summaryLabel ?? report.label, `${name}: the verdict summary's label`);
      assert.deepEqual(
        s.rows.map((r) => `${r.verdict}${r.redelivered ? ' ↻' : ''}`),
        expect.verdicts,
        `${name} (${lang}): each message's verdict`,
      );
      const names = lang === 'en' ? VERDICT_EN : VERDICT_ZH;
      assert.deepEqual(s.rows.map((r) => r.cell), expect.verdicts.map((v) => names[v.replace(' ↻', '')] + (v.endsWith('↻') ? ' ↻' : '')), `${name} (${lang}): the verdict column, in the page's language`);
      if (expect.outcome) {
        assert.match(await page.textContent('#outcome'), expect.outcome[lang === 'en' ? 0 : 1], `${name} (${lang}): the outcome line`);
        assert.equal(await page.getAttribute('#outcome', 'data-label'), report.messages.length ? report.label : 'none', `${name}: the outcome's colour`);
      }
      for (const [queue, [en, zh]] of Object.entries(expect.queueFlags ?? {})) {
        assert.equal(await page.textContent(`#diagram g.queue[data-queue="${queue}"] text.flags`), lang === 'en' ? en : zh, `${name} (${lang}): the diagram's flags of ${queue}`);
      }
      if (expect.exchange) {
        const exchange = page.locator('#diagram g.exchange');
        assert.equal(await exchange.getAttribute('data-exchange'), expect.exchange.name, `${name}: the diagram names the exchange`);
        assert.equal(await exchange.evaluate((g) => g.classList.contains('missing')), expect.exchange.missing, `${name}: the diagram shows whether it exists`);
        assert.equal(await exchange.locator('text').textContent(), expect.exchange.name);
      }
      for (const [data, [en, zh]] of Object.entries(expect.causes ?? {})) {
        assert.match(s.rows.find((r) => r.data === Number(data)).cause, lang === 'en' ? en : zh, `${name} (${lang}): the cause of {'data': ${data}}`);
      }
      for (const [actor, line] of Object.entries(expect.terminals)) {
        assert.equal(s.actors[actor]?.last, line, `${name} (${lang}): ${actor}'s terminal ends with the program's last line`);
      }
      for (const [actor, { line, status, after }] of Object.entries(expect.died ?? {})) {
        assert.equal(s.actors[actor].status, status, `${name}: ${actor} is ${status}`);
        assert.equal(s.actors[actor].died, line, `${name} (${lang}): ${actor}'s code marks the line it died on`);
        // Killed right after the line completed (a crash `after` its op): the mark says so.
        const mark = after
          ? { crashed: ['✕ crashed after this line', '✕ 执行完这一行后已崩溃'] }[status][lang === 'en' ? 0 : 1]
          : { failed: ['✕ failed', '✕ 出错退出'], crashed: ['✕ crashed', '✕ 已崩溃'] }[status][lang === 'en' ? 0 : 1];
        assert.equal(s.actors[actor].diedMark, mark, `${name} (${lang}): the died mark`);
      }
      for (const key of expect.keys) {
        const sentence = lang === 'en' ? key.en : key.zh;
        const entry = s.log.find((e) => e.event === key.event);
        assert.ok(entry, `${name}: event ${key.event} is in the log`);
        assert.match(entry.text, sentence, `${name} (${lang}): the sentence of event ${key.event} in the log`);
        if (lang === 'zh') assert.ok(/[\u4e00-\u9fff]/.test(entry.text), `${name}: the Chinese sentence is Chinese: ${entry.text}`);
      }
      // No raw engine name anywhere a learner reads (the exception names in terminals are pika's own).
      const raw = RAW.exec(await page.evaluate(() => document.body.innerText));
      assert.equal(raw, null, `${name} (${lang}): a raw engine name on the page: ${raw?.[0]}`);
      await page.screenshot({ path: await artifactPath(`behaviour-${name}-${lang}-end.png`), fullPage: true });
      // Each moment itself: the step narration says it, and the acting code line is marked.
      for (const key of expect.keys) {
        const sentence = lang === 'en' ? key.en : key.zh;
        const narration = await seekToEvent(page, key.event, sentence);
        const parts = narration.split(' · ');
        assert.match(parts.find((part) => sentence.test(part)) ?? narration, sentence, `${name} (${lang}): the step narration at event ${key.event}`);
        if (key.actor) {
          const at = (await shown(page)).actors[key.actor];
          assert.equal(at.died ?? at.current, key.line, `${name} (${lang}): ${key.actor}'s code at event ${key.event}`);
        }
        await page.screenshot({ path: await artifactPath(`behaviour-${name}-${lang}-event${key.event}.png`) });
      }
      await toEnd(page);
    }
    t.diagnostic(`${name}: ${report.summary}`);
    assertClean(session);
  }, { viewport: { width: 1366, height: 900 } });
}

test('declare-plain-406: a non-durable declare of a durable queue closes the channel (406) before anything is published', { timeout: 300_000 }, async (t) => {
  const error = `pika.exceptions.ChannelClosedByBroker: (406, "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'test_queue' in vhost '/': received 'false' but current is 'true'")`;
  await check('declare-plain-406', {
    verdicts: ['never_sent', 'never_sent', 'never_sent'],
    outcome: [/^This run: incomplete\. 0 of 3 message\(s\) processed once; 3 never sent: \{'data': 0\}, \{'data': 1\}, \{'data': 2\} \(producer went down before publishing it, so it was never sent\); producer exited with pika\.exceptions\.ChannelClosedByBroker: \(406, /,
      /^本次运行：未完成（incomplete）。3 条消息中有 0 条恰好处理一次；3 条从未发送：/],
    terminals: { producer: error, consumer: WAITING },
    died: { producer: { line: "channel.queue_declare(queue='test_queue')", status: 'failed' } },
    causes: { 0: [/^producer went down before publishing it, so it was never sent$/, /^producer 在发布它之前就已停止，所以它从未被发送$/] },
    keys: [{
      event: 9,
      actor: 'producer',
      line: "channel.queue_declare(queue='test_queue')",
      en: /^the broker refused producer's declare of test_queue and closed its channel \(406 PRECONDITION_FAILED\): test_queue exists with another 'durable' than the declare asks for$/,
      zh: /^broker 拒绝了 producer 对 test_queue 的声明并关闭了它的信道（406 PRECONDITION_FAILED）：test_queue 已存在，但它的 'durable' 与声明中的不同$/,
    }],
  }, t);
});

test('declare-passive-404: a passive declare of a queue nobody declared closes the channel (404); with no message, no green label', { timeout: 300_000 }, async (t) => {
  const error = `pika.exceptions.ChannelClosedByBroker: (404, "NOT_FOUND - no queue 'test_queue' in vhost '/'")`;
  const declare = "channel.queue_declare(queue='test_queue', passive=True)  # only checks that it exists";
  await check('declare-passive-404', {
    verdicts: [],
    // The engine calls a run without messages effectively-once; the page judges nothing.
    summaryLabel: '—',
    outcome: [new RegExp(`^This run: no message was published; consumer exited with ${esc(error)}\\.$`),
      new RegExp(`^本次运行：没有发布任何消息；consumer 带着 ${esc(error)} 退出。$`)],
    terminals: { consumer: error },
    died: { consumer: { line: declare, status: 'failed' } },
    queueFlags: { test_queue: ['does not exist', '不存在'] },
    keys: [{
      event: 3, actor: 'consumer', line: declare,
      en: /^the broker closed consumer's channel: there is no queue test_queue \(404 NOT_FOUND\); the connection stays open$/,
      zh: /^broker 关闭了 consumer 的信道：不存在队列 test_queue（404 NOT_FOUND）；连接仍然打开$/,
    }],
  }, t);
});

test('publish-missing-exchange: message 0 goes to an exchange that does not exist; the next publish raises the 404', { timeout: 300_000 }, async (t) => {
  const error = `pika.exceptions.ChannelClosedByBroker: (404, "NOT_FOUND - no exchange 'orders' in vhost '/'")`;
  const publish = "channel.basic_publish(exchange='orders', routing_key='test_queue', body=json.dumps(message))";
  await check('publish-missing-exchange', {
    verdicts: ['lost', 'never_sent', 'never_sent'],
    terminals: { producer: error, consumer: WAITING },
    died: { producer: { line: publish, status: 'failed' } },
    // Drawn by its name, struck through: it never existed in this run.
    exchange: { name: 'orders', missing: true },
    causes: {
      0: [/^it was published to an exchange that did not exist: the broker closed the producer's channel \(404 NOT_FOUND\) and stored nothing; without confirms the producer learns it only at its next call on that channel$/,
        /^它被发布到一个不存在的交换机：broker 关闭了生产者的信道（404 NOT_FOUND），什么也没有保存；没有发布确认时，生产者要到下一次使用该信道时才知道$/],
      1: [/^its own basic_publish raised and producer exited, so it was never sent$/, /^发布它的 basic_publish 抛出了异常，producer 随即退出，所以它从未被发送$/],
      2: [/^producer went down before publishing it, so it was never sent$/, /^producer 在发布它之前就已停止，所以它从未被发送$/],
    },
    keys: [
      { event: 10, en: /^\{'data': 0\} was lost: its exchange did not exist, and the broker closed its producer's channel \(404 NOT_FOUND\)$/,
        zh: /^\{'data': 0\} 丢失：它的交换机不存在，broker 关闭了生产者的信道（404 NOT_FOUND）$/ },
      { event: 14, actor: 'producer', line: publish, en: new RegExp(`^producer exited with ${esc(error)}$`), zh: new RegExp(`^producer 异常退出：${esc(error)}$`) },
    ],
  }, t);
});

test('mandatory-confirms: mandatory=True with confirms and no queue raises UnroutableError after two retries', { timeout: 300_000 }, async (t) => {
  const error = 'pika.exceptions.UnroutableError: 1 unroutable message(s) returned';
  // The line that raised: the bare `raise` re-raises the exception of this line.
  const publish = "channel.basic_publish(exchange='', routing_key='test_queue', body=json.dumps(message), properties=pika.BasicProperties(message_id='producer-' + str(i)), mandatory=True)";
  await check('mandatory-confirms', {
    verdicts: ['lost', 'never_sent', 'never_sent'],
    terminals: { producer: error },
    died: { producer: { line: publish, status: 'failed' } },
    // test_queue was never declared: the diagram says it does not exist (not "deleted", not "durable").
    queueFlags: { test_queue: ['does not exist', '不存在'] },
    causes: {
      0: [/^no queue took it, so the broker returned it to its producer \(mandatory=True\), which kept no copy of it$/,
        /^没有队列接收它，所以 broker 把它退回给了生产者（mandatory=True），而生产者没有保留它的副本$/],
    },
    keys: [
      // The first two returns are not the loss: the producer publishes the message again.
      { event: 5, en: /^a copy of \{'data': 0\} was dropped: no queue matched, so the broker returned it to its producer \(mandatory=True\)$/,
        zh: /^\{'data': 0\} 的一个副本被丢弃：没有匹配的队列，broker 把它退回给了生产者（mandatory=True）$/ },
      { event: 6, actor: 'producer', line: publish,
        en: /^publishing \{'data': 0\} failed; producer retries in 100 ms$/, zh: /^发布 \{'data': 0\} 失败；producer 将在 100 毫秒后重试$/ },
      { event: 19, en: /^\{'data': 0\} was lost: no queue matched, so the broker returned it to its producer \(mandatory=True\)$/,
        zh: /^\{'data': 0\} 丢失：没有匹配的队列，broker 把它退回给了生产者（mandatory=True）$/ },
      { event: 20, en: /^publishing \{'data': 0\} failed; producer gave up$/, zh: /^发布 \{'data': 0\} 失败；producer 放弃了$/ },
      { event: 22, actor: 'producer', line: publish, en: new RegExp(`^producer exited with ${esc(error)}$`), zh: new RegExp(`^producer 异常退出：${esc(error)}$`) },
    ],
  }, t);
});

test('basic-get-crash: a polling consumer crashes mid-work; only the message in hand goes back to the queue', { timeout: 300_000 }, async (t) => {
  await check('basic-get-crash', {
    verdicts: ['processed_once', 'processed_once', 'stranded', 'stranded', 'stranded', 'stranded'],
    terminals: { producer: " [x] Sent {'data': 5}", consumer: " [x] Received {'data': 2}" },
    // Killed right after it printed the third message (the scenario's fault).
    died: { consumer: { line: 'print(f" [x] Received {message}")', status: 'crashed', after: true } },
    causes: { 2: [/^still in test_queue when the run ended: no consumer was left to take it$/, /^运行结束时仍在 test_queue 中：已没有消费者来取走它$/] },
    keys: [
      { event: 50, actor: 'consumer', line: "method, properties, body = channel.basic_get(queue='test_queue', auto_ack=False)",
        en: /^the broker answered consumer's basic_get with \{'data': 2\}$/, zh: /^broker 用 \{'data': 2\} 回应了 consumer 的 basic_get$/ },
      { event: 55, en: /^\{'data': 2\} went back to test_queue$/, zh: /^\{'data': 2\} 回到队列 test_queue$/ },
    ],
  }, t);
});

test('heartbeat-long-callback: a 10 s callback with a 2 s heartbeat: the broker drops the silent connection, the message goes to the other consumer, and the ack raises', { timeout: 300_000 }, async (t) => {
  const error = "pika.exceptions.StreamLostError: Stream connection lost: ConnectionResetError(104, 'Connection reset by peer')";
  const ack = 'ch.basic_ack(delivery_tag=method.delivery_tag)';
  await check('heartbeat-long-callback', {
    verdicts: ['duplicated ↻', 'processed_once'],
    // The duplicate's cause: the redelivery, and why it happened.
    outcome: [/^This run: at-least-once\. 1 of 2 message\(s\) processed once; 1 duplicated: \{'data': 0\} \(delivered 2 times: the broker got no ack for its delivery to slow, so it requeued it and redelivered it to fast\); slow exited with pika\.exceptions\.StreamLostError: /,
      /^本次运行：至少一次（at-least-once）。2 条消息中有 1 条恰好处理一次；1 条重复：\{'data': 0\}（投递了 2 次：broker 没有收到 slow 对它的确认，于是把它重新入队并重新投递给 fast）；slow 带着 pika\.exceptions\.StreamLostError: /],
    causes: { 0: [/^delivered 2 times: the broker got no ack for its delivery to slow, so it requeued it and redelivered it to fast$/, /^投递了 2 次：broker 没有收到 slow 对它的确认，于是把它重新入队并重新投递给 fast$/] },
    terminals: { slow: error, fast: " [x] Received {'data': 0}", producer: " [x] Sent {'data': 1}" },
    died: { slow: { line: ack, status: 'failed' } },
    keys: [
      { event: 38, actor: 'slow', line: 'time.sleep(10)  # process(message)',
        en: /^rabbit@0 heard nothing from slow for two heartbeat checks \(timeout 2 s\): pika's BlockingConnection sends no heartbeats while the program is busy in a callback or in time\.sleep\. The broker closed the connection; its unacked deliveries go back to the queue, and the program will find out at its next call$/,
        zh: /^rabbit@0 连续两次心跳检查都没有收到 slow 的任何数据（超时 2 秒）：程序在回调或 time\.sleep 中忙碌时，pika 的 BlockingConnection 不发送心跳。broker 关闭了连接；它未确认的消息回到队列，程序要到下一次调用时才会发现$/ },
      { event: 41, en: /^the broker delivered \{'data': 0\} to fast \(redelivered\)$/, zh: /^broker 把 \{'data': 0\} 投递给 fast（重新投递）$/ },
      { event: 50, actor: 'slow', line: ack, en: new RegExp(`^slow exited with ${esc(error)}$`), zh: new RegExp(`^slow 异常退出：${esc(error)}$`) },
    ],
  }, t);
});

test('broker-crash-never-delivered: after kill -9 every recovered message is flagged redelivered, though nobody had seen it', { timeout: 300_000 }, async (t) => {
  await check('broker-crash-never-delivered', {
    verdicts: ['redelivered ↻', 'redelivered ↻', 'redelivered ↻', 'redelivered ↻'],
    // The counts say "0 processed once, 4 redelivered": the outcome says those 4 are the processed ones.
    outcome: [/^This run: effectively-once\. 4 of 4 message\(s\) processed once \(4 of them after a redelivery\)\.$/,
      /^本次运行：有效一次（effectively-once）。4 条消息中有 4 条恰好处理一次（其中 4 条是重新投递后处理的）。$/],
    terminals: { producer: " [x] Sent {'data': 3}", consumer: " [x] Received {'data': 3}" },
    keys: [
      { event: 21, en: /^rabbit@0 crashed$/, zh: /^rabbit@0 崩溃$/ },
      { event: 23, en: /^test_queue came back with 4 messages, every one flagged redelivered: after a crash the classic queue cannot tell which were delivered, so even one never delivered comes back with redelivered=True$/,
        zh: /^test_queue 恢复，含 4 条消息，每一条都被标记为重新投递：崩溃之后经典队列无法知道哪些已经投递过，所以即使从未投递过的消息也会带着 redelivered=True 回来$/ },
      { event: 29, en: /^the broker delivered \{'data': 0\} to consumer \(redelivered\)$/, zh: /^broker 把 \{'data': 0\} 投递给 consumer（重新投递）$/ },
    ],
  }, t);
});

test('broker-stop-never-delivered: after a graceful stop none is flagged redelivered, and the recovery says nothing of redelivery', { timeout: 300_000 }, async (t) => {
  await check('broker-stop-never-delivered', {
    verdicts: ['processed_once', 'processed_once', 'processed_once', 'processed_once'],
    outcome: [/^This run: effectively-once\. 4 of 4 message\(s\) processed once\.$/, /^本次运行：有效一次（effectively-once）。4 条消息中有 4 条恰好处理一次。$/],
    terminals: { producer: " [x] Sent {'data': 3}", consumer: " [x] Received {'data': 3}" },
    keys: [
      { event: 21, en: /^rabbit@0 stopped$/, zh: /^rabbit@0 停止$/ },
      { event: 23, en: /^test_queue came back with 4 messages$/, zh: /^test_queue 恢复，含 4 条消息$/ },
      { event: 29, en: /^the broker delivered \{'data': 0\} to consumer$/, zh: /^broker 把 \{'data': 0\} 投递给 consumer$/ },
    ],
  }, t);
});

test('on a phone (390 px) a failed program\'s terminal shows its whole exception, and nothing scrolls sideways', { timeout: 300_000 }, async () => {
  await withPage(browser, 'behaviour-phone', server.url('/'), async (session) => {
    const { page } = session;
    for (const [name, actor] of [['declare-plain-406', 'producer'], ['heartbeat-long-callback', 'slow'], ['publish-missing-exchange', 'producer']]) {
      await loadScenario(page, name);
      await toEnd(page);
      for (const lang of ['en', 'zh']) {
        await setLang(page, lang);
        const t = await page.$eval(`#actors .actor[data-actor="${actor}"] .terminal`, (el) => ({
          full: el.scrollHeight <= el.clientHeight + 1,
          lines: el.textContent.split('\n'),
        }));
        assert.ok(t.full, `${name} (${lang}): ${actor}'s terminal shows all its lines at 390 px: ${JSON.stringify(t.lines)}`);
        assert.match(t.lines[t.lines.length - 1], /^pika\.exceptions\.\w+: /, `${name}: the last line is the exception`);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(sideways, 0, `${name} (${lang}): no sideways scroll at 390 px`);
      }
      await page.screenshot({ path: await artifactPath(`behaviour-phone-${name}.png`), fullPage: true });
      await setLang(page, 'en');
    }
    assertClean(session);
  }, { viewport: { width: 390, height: 900 } });
});
