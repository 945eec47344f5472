// Page helpers shared by the e2e test files: the DOM contract of src/ui (#position, #scrubber,
// #tour chapters, #lang-toggle) driven as a user would, and the "no console error" check.
import assert from 'node:assert/strict';
import { waitForReady } from './harness.mjs';

/** Opens a share link of this page in the open tab, as pasting it into the address bar does:
 * only the fragment changes, and the page reloads itself to open it (index.html's hashchange
 * listener); then waits for the reloaded page. */
export async function pasteLink(page, url) {
  const reloaded = page.waitForEvent('load');
  await page.goto(url, { waitUntil: 'commit' });
  await reloaded;
  await waitForReady(page);
}

/** No console error, page error or failed request during the test. */
export function assertClean(session) {
  assert.deepEqual(session.problems(), [], 'no console error, page error or failed request');
}

/** `#position` "step N / M · T ms" as { step, steps, ms, text }. */
export async function position(page) {
  const text = (await page.locator('#position').textContent()) ?? '';
  const m = /(\d+)\s*\/\s*(\d+)\D+(\d+)\s*ms/.exec(text);
  assert.ok(m, `#position reads "step N / M · T ms", got ${JSON.stringify(text)}`);
  return { step: Number(m[1]), steps: Number(m[2]), ms: Number(m[3]), text: text.trim() };
}

/** Presses a key with the focus on the page body (the shortcuts ignore focused inputs). */
export async function press(page, key) {
  await page.evaluate(() => document.activeElement?.blur?.());
  await page.keyboard.press(key);
}

/** The End key, then wait for the last step; returns the position. */
export async function toEnd(page) {
  await press(page, 'End');
  await page.waitForFunction(() => {
    const m = /(\d+)\s*\/\s*(\d+)/.exec(document.querySelector('#position')?.textContent ?? '');
    return m && m[1] === m[2];
  });
  // The narration module may be on its way (fetched when a step first needs it).
  await waitForReady(page);
  return position(page);
}

/** Seeks with the scrubber (as dragging it does: an `input` event). */
export async function seek(page, step) {
  await page.evaluate((step) => {
    const s = document.querySelector('#scrubber');
    s.value = String(step);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, step);
  await page.waitForFunction((step) => new RegExp(`\\b${step}\\s*/`).test(document.querySelector('#position')?.textContent ?? ''), step);
  await waitForReady(page);
}

export async function chooseChapter(page, id) {
  await page.click(`#tour button.chapter[data-chapter="${id}"]`);
  await page.waitForFunction((id) => document.querySelector('#tour button.chapter.current')?.dataset.chapter === id, id);
  await waitForReady(page);
}

/** The page in `lang` ("en" or "zh"), through the language button. */
export async function setLang(page, lang) {
  if ((await page.getAttribute('html', 'lang')) !== (lang === 'zh' ? 'zh-CN' : 'en')) await page.click('#lang-toggle');
  await page.waitForFunction((l) => document.documentElement.lang === l, lang === 'zh' ? 'zh-CN' : 'en');
}

// Switch the header's system switch to Kafka and wait for the Kafka diagram.
export async function toKafka(page) {
  await page.click('#system-switch button[data-system="kafka"]');
  await page.waitForSelector('#kafka-page #diagram.kafka svg');
}

// Open a Kafka chapter by its catalog id.
export async function chooseKafkaChapter(page, id) {
  await page.click(`#kafka-page #tour button.chapter[data-chapter="${id}"]`);
  await page.waitForFunction((id) => document.querySelector('#kafka-page')?.dataset.chapter === id, id);
}

// Switch the header's system switch to ZeroMQ and wait for the ZeroMQ diagram.
export async function toZeromq(page) {
  await page.click('#system-switch button[data-system="zeromq"]');
  await page.waitForSelector('#zeromq-page #diagram.zeromq');
}

// Open a ZeroMQ chapter by its catalog id.
export async function chooseZeromqChapter(page, id) {
  await page.click(`#zeromq-page #tour button.chapter[data-chapter="${id}"]`);
  await page.waitForFunction((id) => document.querySelector('#zeromq-page')?.dataset.chapter === id, id);
}
