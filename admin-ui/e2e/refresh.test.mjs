// A reload while a token refresh is in flight keeps the session. The
// refresh reaches the server, which spends the old refresh token, but its
// answer never reaches the page (the page went away); the reloaded page
// must not present the spent token alone, which revokes the session.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertNoPageProblems, launch, newPage, newsroom, people, signIn, startServer } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  await newsroom(server);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a reload while a refresh is in flight keeps the user signed in', async () => {
  const page = await newPage(browser, server);
  await signIn(page, people.writer.email);
  // The access token is stale: the next call refreshes first.
  await page.evaluate(() => {
    const key = 'healthcms.session';
    const t = JSON.parse(localStorage.getItem(key));
    localStorage.setItem(key, JSON.stringify({ ...t, expires_at: 0 }));
  });
  let reached;
  const spent = new Promise((r) => (reached = r));
  await page.route('**/api/v1/auth/refresh', async (route) => {
    const res = await route.fetch(); // the server rotates the token...
    reached(res.status());
    await route.abort(); // ...and the page never hears of it
  });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review queue', exact: true }).click();
  assert.equal(await spent, 200, 'the refresh reached the server');
  await page.unroute('**/api/v1/auth/refresh');

  const refreshes = [];
  page.on('response', (r) => r.url().endsWith('/api/v1/auth/refresh') && refreshes.push(r.status()));
  const isRefresh = (r) => r.url().endsWith('/api/v1/auth/refresh');
  let answer = page.waitForResponse(isRefresh);
  await page.reload();
  const signedIn = page.getByRole('button', { name: 'Sign out', exact: true });
  const signInForm = page.getByRole('textbox', { name: 'Email', exact: true });
  assert.equal((await answer).status(), 200, 'the reloaded page refreshed');
  await signedIn.or(signInForm).first().waitFor();
  assert.equal(await signInForm.count(), 0, `signed out after the reload (refreshes: ${refreshes.join(', ')})`);
  await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();

  // The session goes on: later refreshes work too.
  await page.evaluate(() => {
    const key = 'healthcms.session';
    const t = JSON.parse(localStorage.getItem(key));
    localStorage.setItem(key, JSON.stringify({ ...t, expires_at: 0 }));
  });
  answer = page.waitForResponse(isRefresh);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Articles', exact: true }).click();
  assert.equal((await answer).status(), 200, 'the next refresh');
  await page.getByRole('heading', { level: 1, name: 'Articles' }).waitFor();
  assert.equal(await signInForm.count(), 0);
  assert.ok(!refreshes.includes(401), `a refresh was refused: ${refreshes.join(', ')}`);
  assertNoPageProblems(page);
  await page.context().close();
});
