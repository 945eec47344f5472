// End-to-end: the article's §3.2.3, distributed transactions (issue 11), against the release
// build in dist/, in English and Chinese:
//   - the dual write: order 9 committed and never published is lost, with its cause, and the
//     database under the diagram still has it; the service's code marks its db.commit() line
//     as the line it crashed right after;
//   - the outbox: every order processed once, order 4 delivered twice and applied once (its
//     cause says so), the outbox empty at the end, the relay's restart shown in its terminal;
//   - the learner kills the relay for good mid-run: the orders left in the outbox are
//     stranded there (not lost), and restarting the relay publishes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPage, artifactPath, servePage } from './harness.mjs';
import { assertClean, seek, toEnd, chooseChapter, setLang } from './page-helpers.mjs';

let server;
let browser;
servePage((s, b) => {
  server = s;
  browser = b;
});

async function rows(page) {
  return page.$$eval('#messages tbody tr', (trs) =>
    trs.map((tr) => ({
      data: Number(tr.dataset.data),
      verdict: tr.dataset.verdict,
      cause: tr.querySelector('button.cause')?.textContent ?? null,
    })),
  );
}

/** What the database line under the diagram lists, by table. */
async function database(page) {
  return page.$$eval('#diagram #database .table', (ts) => Object.fromEntries(ts.map((t) => [t.dataset.table, t.dataset.rows])));
}

const CAUSE = {
  lost: [
    /^orders committed the order to orders\.db, then went down before publishing it/,
    /^orders 把订单提交到 orders\.db 之后、发布之前停止了/,
  ],
  twice: [/^relay published it twice; the consumer's inbox \(effects\.db, by message id\) applied it once/, /^relay 把它发布了 2 次；消费者的收件箱/],
  outbox: [/^its order and its outbox row are in orders\.db, but relay is down/, /^它的订单和发件箱里的行都在 orders\.db 中，但 relay 已停止/],
};

test('the dual write loses the order committed before the crash; the outbox and the inbox apply every order once', { timeout: 300_000 }, async () => {
  await withPage(browser, 'transactions', server.url('/'), async (session) => {
    const { page } = session;
    for (const [k, lang] of ['en', 'zh'].entries()) {
      await setLang(page, lang);
      await chooseChapter(page, 'dual-write');
      await toEnd(page);
      let r = await rows(page);
      assert.deepEqual(r.map((x) => `${x.data}:${x.verdict}`), [...Array(9).keys()].map((d) => `${d}:processed_once`).concat(['9:lost']), `dual write (${lang})`);
      assert.match(r[9].cause, CAUSE.lost[k], `dual write (${lang}): order 9's cause`);
      assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'at-most-once', 'the lost order makes it at-most-once, not incomplete');
      assert.deepEqual(await database(page), { db_orders: '0 1 2 3 4 5 6 7 8 9', db_effects: '0 1 2 3 4 5 6 7 8' }, 'the database has order 9; the inbox never saw it (a dual write has no outbox)');
      const mark = await page.locator('.actor[data-actor="orders"] .line.died .died-mark').textContent();
      assert.equal(mark.trim(), lang === 'en' ? '✕ crashed after this line' : '✕ 执行完这一行后已崩溃', `dual write (${lang}): killed right after the commit`);
      assert.match(await page.locator('.actor[data-actor="orders"] .line.died').textContent(), /db\.commit\(\)  # the order is in the database now/);
      await page.screenshot({ path: await artifactPath(`transactions-dual-write-${lang}.png`), fullPage: true });

      await chooseChapter(page, 'outbox');
      await toEnd(page);
      r = await rows(page);
      assert.deepEqual(r.map((x) => `${x.data}:${x.verdict}`), [...Array(10).keys()].map((d) => `${d}:processed_once`), `outbox (${lang})`);
      assert.match(r[4].cause, CAUSE.twice[k], `outbox (${lang}): order 4 published twice, applied once`);
      assert.equal(r.filter((x) => x.cause).length, 1, 'no other row has a cause');
      assert.deepEqual(await database(page), { db_orders: '0 1 2 3 4 5 6 7 8 9', db_outbox: '', db_effects: '0 1 2 3 4 5 6 7 8 9' });
      assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'effectively-once');
      // The relay's terminal: killed after publishing order 4 and before printing it; its new
      // process (below the separator) publishes order 4 again.
      const relay = (await page.locator('.actor[data-actor="relay"] .terminal').textContent()).split('\n');
      const sent = (d) => ` [x] Sent {'data': ${d}}`;
      assert.deepEqual(relay, [0, 1, 2, 3].map(sent).concat([lang === 'en' ? '── started again: a new process ──' : '── 重新启动：新的进程 ──'], [4, 5, 6, 7, 8, 9].map(sent)), `outbox (${lang}): the relay's terminal`);
      await page.screenshot({ path: await artifactPath(`transactions-outbox-${lang}.png`), fullPage: true });
    }
    assertClean(session);
  });
});

test('a relay killed mid-run leaves its rows in the outbox, stranded; restarted, it publishes them', { timeout: 300_000 }, async () => {
  await withPage(browser, 'transactions-relay', server.url('/'), async (session) => {
    const { page } = session;
    await chooseChapter(page, 'outbox');
    // Early in the run, once the relay is up: kill it with the fault bar.
    await seek(page, 40);
    await page.click('#faults button.fault[data-fault="crash_relay"]');
    await page.waitForFunction(() => document.querySelector('.actor[data-actor="relay"]')?.dataset.status === 'crashed');
    assert.equal(await page.locator('#faults button.fault[data-fault="restart_relay"]').isDisabled(), false, 'a crashed relay can be restarted');
    await toEnd(page);
    let r = await rows(page);
    const stranded = r.filter((x) => x.verdict === 'stranded');
    assert.ok(stranded.length >= 5, `the later orders wait in the outbox: ${JSON.stringify(r)}`);
    assert.equal(r.filter((x) => x.verdict === 'lost').length, 0, 'nothing is lost');
    for (const x of stranded) assert.match(x.cause, CAUSE.outbox[0]);
    // Each stranded order has its row in the outbox; a row whose message was published and
    // processed before the kill (the relay died before deleting it) is processed once.
    const outbox = (await database(page)).db_outbox.split(' ').map(Number);
    for (const x of stranded) assert.ok(outbox.includes(x.data), `order ${x.data} waits in the outbox ${outbox}`);
    for (const d of outbox.filter((d) => !stranded.some((x) => x.data === d))) {
      assert.equal(r.find((x) => x.data === d).verdict, 'processed_once', `order ${d}: published before the kill, its row not deleted yet`);
    }
    assert.equal(await page.getAttribute('#verdict-summary', 'data-label'), 'incomplete');
    await page.screenshot({ path: await artifactPath('transactions-relay-down.png'), fullPage: true });
    // Restarting the relay (now, at the end) publishes every row: all processed once.
    await page.click('#faults button.fault[data-fault="restart_relay"]');
    await toEnd(page);
    r = await rows(page);
    assert.deepEqual(r.map((x) => x.verdict), Array(10).fill('processed_once'), JSON.stringify(r));
    assert.equal((await database(page)).db_outbox, '');
    assertClean(session);
  });
});
