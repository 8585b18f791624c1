// What every end-to-end test needs: the real cms binary on a fresh SQLite
// database, a Chromium driven by playwright-core, the editor API as the
// judge of what happened, axe-core, and the 360 px check.
//
// Run with `npm run e2e` (or through `go test ./admin-ui/`, which builds
// the binary once and passes it in CMS_E2E_BINARY). Set CHROMIUM to use
// another browser binary, UPDATE_SCREENSHOTS=1 to rewrite
// docs/screenshots/*.png.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const password = 'correct horse battery staple';
export const adminEmail = 'admin@example.com';

let builtBinary = null;

/** binary is the cms binary under test: CMS_E2E_BINARY, or built once. */
export function binary() {
  if (process.env.CMS_E2E_BINARY) return process.env.CMS_E2E_BINARY;
  if (!builtBinary) {
    const dir = mkdtempSync(path.join(tmpdir(), 'cms-e2e-bin-'));
    builtBinary = path.join(dir, 'cms');
    execFileSync('go', ['build', '-o', builtBinary, './cmd/cms'], { cwd: repoRoot, stdio: 'inherit' });
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return builtBinary;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * startServer runs `cms serve` on a fresh SQLite database in a temporary
 * directory. env adds or overrides CMS_ settings. The answer's api() calls
 * the server as any user. args go to `cms serve` (--demo).
 */
export async function startServer(env = {}, { args = [] } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cms-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(binary(), ['serve', ...args], {
    env: {
      ...process.env,
      CMS_DATABASE_URL: `sqlite:${path.join(dir, 'cms.db')}`,
      CMS_ADDR: `127.0.0.1:${port}`,
      CMS_ADMIN_EMAIL: adminEmail,
      CMS_ADMIN_PASSWORD: password,
      CMS_ACCESS_LOG: 'false',
      CMS_SCHEDULER_INTERVAL: '1s',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (b) => (output += b));
  proc.stderr.on('data', (b) => (output += b));
  let exited = false;
  proc.on('exit', () => (exited = true));

  // Tokens handed out by login(), by token: who to log in as again.
  const issued = new Map();
  async function call(method, p, { token, body, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(url + p, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, headers: res.headers, body: parsed };
  }

  const server = {
    url,
    dir,
    get output() {
      return output;
    },
    /**
     * api calls the server: {status, headers, body (parsed JSON or text)}.
     * A token from login() that has expired is renewed by logging in again,
     * so tests on servers with short-lived tokens can keep their tokens.
     */
    async api(method, p, { token, body, headers = {} } = {}) {
      if (issued.has(token)) token = issued.get(token).current;
      let res = await call(method, p, { token, body, headers });
      if (res.status === 401 && issued.has(token)) {
        const who = issued.get(token);
        who.current = await server.login(who.email, who.pw);
        res = await call(method, p, { token: who.current, body, headers });
      }
      return res;
    },
    /** want calls api and asserts the status. */
    async want(status, method, p, opts) {
      const res = await server.api(method, p, opts);
      assert.equal(res.status, status, `${method} ${p}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async login(email, pw = password) {
      const res = await call('POST', '/api/v1/auth/login', { body: { email, password: pw } });
      assert.equal(res.status, 200, `login ${email}: ${JSON.stringify(res.body)}`);
      const who = { email, pw, current: res.body.access_token };
      issued.set(who.current, who);
      return who.current;
    },
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM');
        for (let i = 0; i < 100 && !exited; i++) await sleep(50);
        if (!exited) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`cms exited:\n${output}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {}
    if (i > 200) {
      await server.stop();
      throw new Error(`cms did not become ready:\n${output}`);
    }
    await sleep(100);
  }
  server.adminToken = await server.login(adminEmail);
  return server;
}

/** The newsroom every story needs, created through the API as the admin. */
export const people = {
  writer: { email: 'wendy@example.com', name: 'Wendy Writer', roles: ['writer'], credentials: '' },
  writer2: { email: 'walter@example.com', name: 'Walter Writer', roles: ['writer'], credentials: '' },
  reviewer: { email: 'rita@example.com', name: 'Rita Reviewer', roles: ['reviewer'], credentials: 'MD, Rheumatology' },
  editor: { email: 'eddie@example.com', name: 'Eddie Editor', roles: ['editor'], credentials: '' },
};

/** newsroom creates people (and a topic), returning users and tokens by key. */
export async function newsroom(server, { topics = [{ slug: 'jak-inhibitors', name: 'JAK inhibitors' }] } = {}) {
  const users = {};
  const tokens = {};
  for (const [key, p] of Object.entries(people)) {
    users[key] = await server.want(201, 'POST', '/api/v1/editor/users', {
      token: server.adminToken,
      body: { email: p.email, name: p.name, password, roles: p.roles, credentials: p.credentials },
    });
    tokens[key] = await server.login(p.email);
  }
  for (const t of topics) {
    await server.want(201, 'POST', '/api/v1/editor/topics', { token: server.adminToken, body: t });
  }
  return { users, tokens };
}

/** createArticle saves a draft through the API as token's user. */
export async function createArticle(server, token, draft = {}) {
  return server.want(201, 'POST', '/api/v1/editor/articles', {
    token,
    body: {
      title: 'Baricitinib: how it works',
      summary: 'A JAK inhibitor for rheumatoid arthritis.',
      body_html: '<p>Baricitinib blocks Janus kinases.</p>',
      topics: [],
      references: [],
      ...draft,
    },
  });
}

/** transition moves an article through the workflow through the API. */
export async function transition(server, token, id, action, extra = {}) {
  const a = await server.want(200, 'GET', `/api/v1/editor/articles/${id}`, { token });
  return server.want(200, 'POST', `/api/v1/editor/articles/${id}/transitions`, {
    token,
    body: { action, ...extra },
    headers: { 'If-Match': `"${a.version}"` },
  });
}

export async function getArticle(server, id, token = server.adminToken) {
  return server.want(200, 'GET', `/api/v1/editor/articles/${id}`, { token });
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** chromiumPath is the browser to drive: CHROMIUM or Debian's. */
export function chromiumPath() {
  return process.env.CHROMIUM || '/usr/bin/chromium';
}

/** launch starts a headless Chromium with a fresh profile. */
export async function launch() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: chromiumArgs });
}

/**
 * newPage opens a page in a fresh browser context (its own storage, so
 * its own session). Console errors and CSP violations are collected in
 * page.problems; assertNoPageProblems checks them.
 */
export async function newPage(browser, server, { width = 1280, height = 900, timezoneId } = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width, height }, timezoneId });
  context.setDefaultTimeout(10_000);
  return pageIn(context);
}

/** pageIn opens another page (tab) in a context, watched like newPage's. */
export async function pageIn(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) page.problems.push(m.text());
  });
  page.on('pageerror', (e) => page.problems.push(`uncaught: ${e.message}`));
  // "Leave the page?" on a reload with unsaved text: yes (the text is
  // kept in the browser and offered back). Any other dialog is a defect.
  page.on('dialog', (d) => {
    if (d.type() !== 'beforeunload') page.problems.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    (d.type() === 'beforeunload' ? d.accept() : d.dismiss()).catch(() => {});
  });
  return page;
}

/** assertNoPageProblems: no CSP violation and no uncaught error. */
export function assertNoPageProblems(page) {
  assert.deepEqual(page.problems, [], 'CSP violations or uncaught errors in the page');
}

/**
 * navigate moves the app to an /admin/ path the way its own links do
 * (History API and popstate), without loading the page again: faster than
 * page.goto when a test visits many screens.
 */
export async function navigate(page, path) {
  await page.evaluate((p) => {
    history.pushState(null, '', p);
    dispatchEvent(new PopStateEvent('popstate', { state: null }));
  }, path);
}

/** signIn uses the sign-in screen and waits for the shell. */
export async function signIn(page, email, pw = password, to = '/admin/articles') {
  await page.goto(to);
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(pw);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Controls of the editor, by the names UI.md gives them. */
export function editor(page) {
  const button = (name) => page.getByRole('button', { name, exact: true });
  return {
    title: page.getByRole('textbox', { name: 'Title', exact: true }),
    slug: page.getByRole('textbox', { name: 'Slug', exact: true }),
    summary: page.getByRole('textbox', { name: 'Summary', exact: true }),
    body: page.getByRole('textbox', { name: 'Body', exact: true }),
    toolbar: page.getByRole('toolbar', { name: 'Formatting' }),
    tool: (name) => page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name, exact: true }),
    topics: page.getByRole('group', { name: 'Topics', exact: true }),
    button,
    save: button('Save'),
    status: page.getByRole('status').filter({ hasText: /Saved/ }),
    dialog: page.getByRole('dialog'),
  };
}

/** saveAndWait clicks Save and waits for the Saved status. */
export async function saveAndWait(page) {
  const ed = editor(page);
  await ed.save.click();
  await ed.status.first().waitFor();
}

/** openDialog clicks a workflow button and returns its dialog. */
export async function openDialog(page, name) {
  await page.getByRole('button', { name, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  return dialog;
}

/** assertAxe fails on any serious or critical axe-core violation. */
export async function assertAxe(page, what) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  assert.deepEqual(bad, [], `axe on ${what}`);
}

/**
 * assertNoHorizontalScroll narrows the page to 360 CSS pixels and checks
 * the page itself does not scroll sideways; the viewport is restored.
 */
export async function assertNoHorizontalScroll(page, what) {
  const before = page.viewportSize();
  await page.setViewportSize({ width: 360, height: before?.height ?? 800 });
  try {
    await page.waitForTimeout(50);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${what}: the page is ${width}px wide at 360px`);
  } finally {
    if (before) await page.setViewportSize(before);
  }
}

/** checkScreen runs axe and the 360 px check. */
export async function checkScreen(page, what) {
  await assertAxe(page, what);
  await assertNoHorizontalScroll(page, what);
}

/** screenshot writes docs/screenshots/<name>.png when UPDATE_SCREENSHOTS=1. */
export async function screenshot(page, name) {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  const dir = path.join(repoRoot, 'docs', 'screenshots');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** paste dispatches a paste event carrying html, as a browser does. */
export async function pasteHTML(locator, html, text = '') {
  await locator.click();
  await locator.evaluate(
    (el, [html, text]) => {
      const dt = new DataTransfer();
      dt.setData('text/html', html);
      dt.setData('text/plain', text);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    [html, text],
  );
}
