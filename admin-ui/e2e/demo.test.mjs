// The demo newsroom (`cms serve --demo`) as the README promises it: sign in
// with a printed demo login, see articles in every state, and review a
// live article's newer draft in Changes. Real, long content, so the
// screens are checked with axe and at 360 px with what a newsroom has.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertNoPageProblems, checkScreen, launch, newPage, screenshot, signIn, startServer } from './harness.mjs';

let server, browser, logins;
before(async () => {
  server = await startServer({}, { args: ['--demo'] });
  logins = Object.fromEntries(
    [...server.output.matchAll(/cms: demo login (\S+)\s+(\S+) \(/g)].map((m) => [m[1], m[2]]),
  );
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a demo reviewer signs in with a printed login and reviews a newer draft of a live article', async () => {
  assert.ok(logins['reviewer@example.com'], `demo logins printed: ${server.output}`);
  const page = await newPage(browser, server);
  await signIn(page, 'reviewer@example.com', logins['reviewer@example.com']);

  await page.getByRole('heading', { level: 1, name: 'Articles' }).waitFor();
  await page.getByRole('link', { name: /Baricitinib \(Olumiant\)/ }).first().waitFor();
  assert.ok((await page.getByRole('row').count()) >= 10, 'the demo articles are listed');
  await screenshot(page, 'articles');
  await checkScreen(page, 'article list (demo)');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review queue', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
  const live = page.getByRole('link', { name: /Baricitinib \(Olumiant\)/ });
  await live.waitFor();
  await screenshot(page, 'review-queue');
  await checkScreen(page, 'review queue (demo)');

  await live.click();
  await page.getByRole('button', { name: 'Approve', exact: true }).waitFor();
  await checkScreen(page, 'editor (demo, long article)');
  await page.getByRole('tab', { name: 'Changes', exact: true }).or(page.getByRole('link', { name: 'Changes', exact: true })).click();
  // The newer draft adds a section on other medicines to the live text.
  await page.locator('ins').filter({ hasText: /probenecid/ }).first().waitFor();
  await screenshot(page, 'changes');
  await checkScreen(page, 'Changes (demo)');
  assertNoPageProblems(page);
});
