// Shared helpers for the end-to-end tests: a static server for dist/, Debian's Chromium
// through playwright-core, error collection, and the native CLI's trace hash.
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat, mkdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { before, after } from 'node:test';

export const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const DIST = path.resolve(ROOT, process.env.QP_E2E_DIST ?? 'dist');
export const ARTIFACTS = path.join(ROOT, 'target', 'e2e-artifacts');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Flags from shared/design/TOOLCHAIN.md: as root Chromium needs --no-sandbox, and the closed
// network refuses Chromium's background connections unless they are switched off.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

export function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Serves `root` on 127.0.0.1 at a free port, under each of `mounts` (URL prefixes ending in
 * '/'). Anything outside the mounts is a 404, so a page that used absolute URLs would break
 * under a sub-path mount. Returns { origin, url(mount), requests, close() }.
 *
 * With `{ gzip: true }` it answers `Accept-Encoding: gzip` requests for text and wasm files
 * gzipped (level 9, as a static host serving pre-compressed files would), so the browser's
 * resource timing reports the bytes a visitor downloads.
 */
const COMPRESSIBLE = /\.(html|js|mjs|css|wasm|json|svg|txt|map)$/i;
export async function startStaticServer(root = DIST, mounts = ['/'], { gzip = false } = {}) {
  const requests = [];
  const gzipped = new Map(); // file -> { mtimeMs, body }
  const server = createServer(async (req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push({ method: req.method, path: pathname });
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    for (const mount of mounts) {
      if (pathname === mount.slice(0, -1) && mount !== '/') {
        res.writeHead(301, { location: mount });
        return res.end();
      }
      if (!pathname.startsWith(mount)) continue;
      let file = path.resolve(root, '.' + path.posix.normalize('/' + pathname.slice(mount.length)));
      if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden');
      try {
        let st = await stat(file);
        if (st.isDirectory()) {
          file = path.join(file, 'index.html');
          st = await stat(file);
        }
        if (gzip && COMPRESSIBLE.test(file) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
          let entry = gzipped.get(file);
          if (!entry || entry.mtimeMs !== st.mtimeMs) {
            entry = { mtimeMs: st.mtimeMs, body: gzipSync(await readFile(file), { level: 9 }) };
            gzipped.set(file, entry);
          }
          res.writeHead(200, {
            'content-type': contentType(file),
            'content-encoding': 'gzip',
            'content-length': entry.body.length,
            vary: 'accept-encoding',
            'cache-control': 'no-store',
          });
          return res.end(req.method === 'HEAD' ? undefined : entry.body);
        }
        res.writeHead(200, {
          'content-type': contentType(file),
          'content-length': st.size,
          'cache-control': 'no-store',
        });
        if (req.method === 'HEAD') return res.end();
        return createReadStream(file).pipe(res);
      } catch {
        return send(404, `not found: ${pathname}`);
      }
    }
    return send(404, `not found (outside the mounts ${mounts.join(', ')}): ${pathname}`);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: (mount = mounts[0]) => origin + mount,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 120_000,
  });
}

/**
 * Opens a fresh page that records console errors, uncaught page errors, failed requests and
 * HTTP error responses. `problems()` lists them all as strings.
 */
export async function openPage(browser, { viewport = { width: 1280, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  const consoleErrors = [];
  const pageErrors = [];
  const failedRequests = [];
  const responses = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      consoleErrors.push(`${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => pageErrors.push(String(err?.stack ?? err)));
  page.on('requestfailed', (req) =>
    failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText}`),
  );
  page.on('response', (resp) => {
    responses.push(resp);
    if (resp.status() >= 400) failedRequests.push(`${resp.status()} ${resp.url()}`);
  });
  return {
    context,
    page,
    consoleErrors,
    pageErrors,
    failedRequests,
    responses,
    problems: () => [
      ...consoleErrors.map((e) => `console error: ${e}`),
      ...pageErrors.map((e) => `page error: ${e}`),
      ...failedRequests.map((e) => `request: ${e}`),
    ],
    close: () => context.close(),
  };
}

/** Waits until `#status` reads `ready` (its `data-status`, in any language); on timeout, says what it read instead. */
export async function waitForReady(page, timeout = 120_000) {
  try {
    await page.waitForFunction(
      () => { const s = document.querySelector("#status"); return s?.dataset.status === "ready" || s?.textContent?.trim() === "ready"; },
      null,
      { timeout, polling: 100 },
    );
  } catch (err) {
    const status = await page
      .evaluate(() => document.querySelector('#status')?.textContent ?? '<no #status element>')
      .catch((e) => `<page gone: ${e}>`);
    throw new Error(`#status did not become "ready" within ${timeout} ms; it reads ${JSON.stringify(status)}\n${err}`);
  }
}

/** Runs the native CLI for the scenario the page shows, returns its parsed JSON report. */
export function runCli(args = ['run', '--catalog', 'article', '--seed', '1']) {
  const cmd = ['run', '--quiet', '--locked', '--bin', 'qp', '--', ...args];
  return new Promise((resolve, reject) => {
    execFile(
      'cargo',
      cmd,
      { cwd: ROOT, maxBuffer: 256 * 1024 * 1024, timeout: 20 * 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`cargo ${cmd.join(' ')} failed: ${err.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout));
        } catch (e) {
          reject(new Error(`cargo ${cmd.join(' ')} did not print one JSON object (${e.message}); stdout starts: ${stdout.slice(0, 500)}`));
        }
      },
    );
  });
}

/**
 * Opens `url` in a fresh page (its own context: empty localStorage), waits for ready, runs
 * fn(session); on failure saves target/e2e-artifacts/failure-NAME.png and appends the
 * page's console/page errors and failed requests to the error. `goto: false` leaves the
 * navigation to fn.
 */
export async function withPage(browser, name, url, fn, { goto = true, viewport } = {}) {
  const session = await openPage(browser, viewport ? { viewport } : undefined);
  try {
    if (goto) {
      await session.page.goto(url, { waitUntil: 'load', timeout: 120_000 });
      await waitForReady(session.page);
    }
    return await fn(session);
  } catch (err) {
    const shot = await artifactPath(`failure-${name}.png`);
    await session.page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    const problems = session.problems();
    err.message += `\n(screenshot: ${shot})` + (problems.length ? `\n${problems.join('\n')}` : '');
    throw err;
  } finally {
    await session.close();
  }
}

/** Fails unless dist/ holds a release build (not missing, not a `trunk serve` build). */
export async function assertReleaseBuild() {
  if (!(await exists(path.join(DIST, 'index.html')))) {
    throw new Error(`${DIST}/index.html is missing: run \`trunk build --release\` first (bash scripts/test.sh does)`);
  }
  const html = await readFile(path.join(DIST, 'index.html'), 'utf8');
  if (html.includes('__trunk_address__')) {
    throw new Error(`${DIST} holds a \`trunk serve\` build (live-reload script): run \`trunk build --release\``);
  }
}

export async function artifactPath(name) {
  await mkdir(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

export async function exists(file) {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The usual suite set-up: before the tests, check dist/ is a release build, serve it at `/`
 * and launch Chromium, handing both to `ready(server, browser)`; after them, close both.
 */
export function servePage(ready) {
  let server;
  let browser;
  before(async () => {
    await assertReleaseBuild();
    server = await startStaticServer(DIST, ['/']);
    browser = await launchBrowser();
    ready(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}
