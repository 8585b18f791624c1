// Regenerates src/editor/fixtures/*.html: each case in cases.mjs is loaded
// or pasted into the real body editor in headless Chromium, and what the
// editor would send to the server is written out. cms/sanitize_editor_test.go
// then asserts the server's sanitizer leaves every fixture unchanged.
// Run by hand from admin-ui/:  node src/editor/gen-fixtures.mjs
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { writeFileSync, readdirSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cases } from './cases.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const server = await createServer({ root, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
await server.listen();
const { port } = server.httpServer.address();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
});
let failed = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`http://127.0.0.1:${port}/admin/src/editor/harness.html`);
  await page.waitForFunction(() => window.harnessReady === true);
  const dir = join(here, 'fixtures');
  for (const f of readdirSync(dir)) if (f.endsWith('.html')) unlinkSync(join(dir, f));
  for (const c of cases) {
    const out = await page.evaluate(([how, html]) => window.bodyEditor[how](html), [c.paste ? 'paste' : 'load', c.html]);
    for (const want of c.contains ?? []) {
      if (!out.includes(want)) { failed++; console.error(`${c.name}: output lacks ${want}\n  ${out}`); }
    }
    for (const bad of c.lacks ?? []) {
      if (out.includes(bad)) { failed++; console.error(`${c.name}: output has ${bad}\n  ${out}`); }
    }
    writeFileSync(join(dir, `${c.name}.html`), out + '\n');
    console.log(`${c.name}: ${out.length} bytes`);
  }
} finally {
  await browser.close();
  await server.close();
}
if (failed) process.exit(1);
