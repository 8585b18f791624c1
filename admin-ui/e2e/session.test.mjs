// A session that ends mid-edit: access tokens live 6 s here, and an admin
// changes the writer's password, which revokes every refresh token. The
// next save cannot refresh, so a sign-in dialog appears over the editor;
// after signing in the text typed before is still there and is saved.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertNoPageProblems,
  checkScreen,
  createArticle,
  editor,
  getArticle,
  launch,
  newPage,
  newsroom,
  people,
  saveAndWait,
  signIn,
  startServer,
} from './harness.mjs';

let server, browser, team;
before(async () => {
  server = await startServer({ CMS_ACCESS_TTL: '6s' });
  team = await newsroom(server);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an expired session asks for a sign-in and keeps the text', async () => {
  const a = await createArticle(server, team.tokens.writer, { title: 'Long session', body_html: '<p>First words.</p>' });
  const page = await newPage(browser, server);
  await signIn(page, people.writer.email);
  await page.goto(`/admin/articles/${encodeURIComponent(a.id)}`);
  const ed = editor(page);
  const calls = [];
  page.on('response', (r) => r.url().includes('/api/') && calls.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
  await ed.body.waitFor().catch(async (e) => {
    assert.fail(`${e.message}\nthe page says: ${(await page.locator('body').innerText()).slice(0, 400)}\ncalls: ${calls.join(', ')}`);
  });

  // Access tokens are refreshed silently while the refresh token is good.
  await page.waitForTimeout(6500);
  await ed.body.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Written after a refresh.');
  await saveAndWait(page);
  assert.match((await getArticle(server, a.id)).draft.body_html, /Written after a refresh\./);
  assert.equal(await page.getByRole('dialog').count(), 0, 'no sign-in while refresh works');

  // The session ends: every refresh token of the writer is revoked.
  await ed.body.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(' Typed before the session ended.');
  const newPassword = 'a brand new password 2';
  await server.want(200, 'PATCH', `/api/v1/editor/users/${team.users.writer.id}`, {
    token: await server.login('admin@example.com'),
    body: { password: newPassword },
  });
  await page.waitForTimeout(6500); // the access token expires

  await ed.save.click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('textbox', { name: 'Email', exact: true }).waitFor();
  await checkScreen(page, 'the sign-in dialog');
  // The text is still in the editor underneath.
  assert.match(await ed.body.innerText(), /Typed before the session ended\./);

  const email = dialog.getByRole('textbox', { name: 'Email', exact: true });
  if ((await email.inputValue()) === '') await email.fill(people.writer.email);
  await dialog.getByLabel('Password', { exact: true }).fill(newPassword);
  await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.match(await ed.body.innerText(), /Typed before the session ended\./);

  // The save that asked for the sign-in goes through, or a second one does.
  const saved = async () => /Typed before the session ended\./.test((await getArticle(server, a.id)).draft.body_html);
  for (let i = 0; i < 20 && !(await saved()); i++) await page.waitForTimeout(100);
  if (!(await saved())) await saveAndWait(page);
  assert.ok(await saved(), 'the text typed before the session ended was saved');
  assertNoPageProblems(page);
});
