// End-to-end: three systems side by side (issue 12), against the release build in dist/.
//
// What it checks, through the DOM only, on the Kafka page and on the ZeroMQ page:
//   - the panel opens with the tutorial's workload and the consumer killed after its 3rd print
//     and restarted 1 s later: a row per payload, a column per system, each cell the verdict the
//     native tests pin (tests/three_systems.rs): RabbitMQ 3-9 lost (auto_ack), Kafka 0-2
//     duplicated (printed twice), ZeroMQ every payload once;
//   - the broker killed: RabbitMQ loses its transient messages, ZeroMQ's column says it has no
//     broker and ran without a fault;
//   - a field that is not a number, or out of range, says what is wrong and keeps the table;
//   - the Chinese page says it all in Chinese;
//   - 390 and 1366 px screenshots: target/e2e-artifacts/three-systems-*.png; no console error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, setLang, toKafka, toZeromq } from './page-helpers.mjs';

const CJK = /[\u4e00-\u9fff]/;
const LETTER = { processed_once: 'P', lost: 'L', duplicated: 'D', redelivered: 'R', stranded: 'S', never_sent: 'N', never_accepted: 'A', still_queued: 'Q', out_of_order: 'O' };
let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function shot(page, t, name) {
  const file = await artifactPath(name);
  await page.locator('#three-systems').scrollIntoViewIfNeeded();
  await page.locator('#three-systems').screenshot({ path: file });
  t.diagnostic(`screenshot: ${file}`);
}

/** Each system's column as letters, one per payload, and the printed counts. */
async function columns(page) {
  return page.$$eval('#three-table tbody tr', (trs) => {
    const out = {};
    for (const tr of trs) {
      for (const td of tr.querySelectorAll('td[data-system]')) {
        const s = td.dataset.system;
        out[s] = (out[s] ?? []).concat([{ verdict: td.dataset.verdict, text: td.textContent }]);
      }
    }
    return out;
  });
}

function letters(cells) {
  return cells.map((c) => LETTER[c.verdict] ?? '?').join('');
}

async function waitForColumns(page, expected) {
  await page.waitForFunction((expected) => {
    const rows = [...document.querySelectorAll('#three-table tbody tr')];
    const L = { processed_once: 'P', lost: 'L', duplicated: 'D', redelivered: 'R', stranded: 'S', never_sent: 'N', never_accepted: 'A', still_queued: 'Q', out_of_order: 'O' };
    const col = (s) => rows.map((tr) => L[tr.querySelector(`td[data-system="${s}"]`)?.dataset.verdict] ?? '?').join('');
    return col('rabbitmq') === expected.rabbitmq && col('kafka') === expected.kafka && col('zeromq') === expected.zeromq;
  }, expected, { timeout: 30_000 }).catch(() => {});
  const got = await columns(page);
  assert.deepEqual({ rabbitmq: letters(got.rabbitmq ?? []), kafka: letters(got.kafka ?? []), zeromq: letters(got.zeromq ?? []) }, expected);
  return got;
}

async function openPanel(page) {
  await page.click('#btn-three');
  await page.waitForSelector('#three-table tbody tr');
}

for (const [system, width, to] of [['kafka', 1366, toKafka], ['kafka', 390, toKafka], ['zeromq', 1366, toZeromq]]) {
  test(`three systems side by side on the ${system} page at ${width} px, in English and Chinese`, { timeout: 300_000 }, async (t) => {
    await withPage(browser, `three-systems-${system}-${width}`, server.url('/'), async (session) => {
      const { page } = session;
      await to(page);
      await openPanel(page);
      assert.equal(await page.getAttribute('#btn-three', 'aria-pressed'), 'true');
      assert.equal(await page.locator('#three-table tbody tr').count(), 10);
      assert.deepEqual(await page.$$eval('#three-table thead th[data-system]', (ths) => ths.map((th) => th.dataset.system)), ['rabbitmq', 'kafka', 'zeromq']);
      // The default: the consumer killed after its 3rd print, restarted 1 s later.
      let got = await waitForColumns(page, { rabbitmq: 'PPPLLLLLLL', kafka: 'DDDPPPPPPP', zeromq: 'PPPPPPPPPP' });
      assert.match(got.rabbitmq[3].text, /auto_ack=True had already removed it from the queue/);
      assert.match(got.kafka[0].text, /printed ×2/);
      assert.match(got.kafka[0].text, /read again from offset 0 of partition 0/);
      assert.deepEqual(await page.$$eval('#three-table thead th[data-system]', (ths) => ths.map((th) => th.dataset.label)), ['at-most-once', 'at-least-once', 'effectively-once']);
      await shot(page, t, `three-systems-${system}-consumer-restart-${width}.png`);

      // The broker killed after the producer's 5th send: ZeroMQ has none.
      await page.selectOption('#three-fault', 't_broker_crash');
      await page.fill('#three-after', '5');
      got = await waitForColumns(page, { rabbitmq: 'LLLLLNNNNN', kafka: 'PPPPPPPPPP', zeromq: 'PPPPPPPPPP' });
      assert.match(got.rabbitmq[0].text, /transient/);
      assert.match(await page.locator('#three-table thead th[data-system="zeromq"]').textContent(), /no broker to kill/);
      await shot(page, t, `three-systems-${system}-broker-${width}.png`);

      // Bad input: said, and the table stays.
      await page.fill('#three-messages', '0');
      await page.waitForSelector('#three-error');
      assert.equal(await page.locator('#three-error').textContent(), 'messages must be 1 to 1000, got 0');
      assert.equal(await page.locator('#three-table tbody tr').count(), 10, 'the last table stays');
      // A number input gives no text that is not a number: an emptied field reads empty.
      await page.fill('#three-messages', '');
      await page.waitForFunction(() => /messages: must be a whole number/.test(document.querySelector('#three-error')?.textContent ?? ''));
      await page.fill('#three-messages', '12');
      await page.waitForFunction(() => document.querySelectorAll('#three-table tbody tr').length === 12 && !document.querySelector('#three-error'));

      // The Chinese page.
      await setLang(page, 'zh');
      await page.waitForFunction(() => document.querySelector('#btn-three')?.textContent === '三个系统并排对比');
      const head = await page.locator('#three-table thead').textContent();
      assert.match(head, /消息体/);
      assert.match(head, /没有可杀死的 broker/);
      got = await columns(page);
      assert.match(got.rabbitmq[0].text, /丢失/);
      assert.match(got.rabbitmq[0].text, /非持久化/);
      assert.ok(CJK.test(await page.locator('#three-systems .note').first().textContent()));
      await page.fill('#three-messages', '0');
      await page.waitForFunction(() => document.querySelector('#three-error')?.textContent === '消息数必须在 1 到 1000 之间，现在是 0');
      await shot(page, t, `three-systems-${system}-zh-${width}.png`);
      // The panel fits the page: nothing wider than the viewport but its own scrolling table.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page does not scroll sideways (${overflow} px)`);
      assertClean(session);
    }, { viewport: { width, height: 900 } });
  });
}
