// Two people edit one article: the second save answers 412, the editor
// says so in an alert, and nothing typed is lost whichever way the writer
// decides. Also: unsaved text survives a reload.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertNoPageProblems,
  checkScreen,
  createArticle,
  editor,
  getArticle,
  launch,
  newPage,
  newsroom,
  pageIn,
  people,
  saveAndWait,
  signIn,
  startServer,
} from './harness.mjs';

describe('editing together', () => {
  let server, browser, team, mine, theirs;
  before(async () => {
    server = await startServer();
    team = await newsroom(server);
    browser = await launch();
    // The writer in one browser, the editor (who may edit any article) in another.
    mine = await newPage(browser, server);
    theirs = await newPage(browser, server);
    await signIn(mine, people.writer.email);
    await signIn(theirs, people.editor.email);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function openBoth(id) {
    for (const p of [mine, theirs]) {
      await p.goto(`/admin/articles/${encodeURIComponent(id)}`);
      await editor(p).body.waitFor();
      await editor(p).title.waitFor();
    }
  }

  async function typeAtEnd(page, text) {
    const ed = editor(page);
    await ed.body.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(text);
  }

  /** conflict makes the other save first, then saves mine and expects 412. */
  async function conflict(id, mineText) {
    await openBoth(id);
    await editor(theirs).title.fill('Their better title');
    await saveAndWait(theirs);
    await typeAtEnd(mine, mineText);
    await editor(mine).save.click();
    const alert = mine.getByRole('alert').filter({ has: mine.getByRole('button', { name: 'Keep mine', exact: true }) });
    await alert.waitFor();
    assert.equal(await alert.getByRole('button', { name: 'Take theirs', exact: true }).count(), 1);
    // Nothing typed is lost while the writer decides.
    assert.match(await editor(mine).body.innerText(), new RegExp(mineText));
    return alert;
  }

  test('Keep mine saves my text over the newer version', async () => {
    const a = await createArticle(server, team.tokens.writer, { title: 'Shared article', body_html: '<p>Start.</p>' });
    const alert = await conflict(a.id, ' My careful sentence.');
    assert.match(await alert.innerText(), /Their better title|chang/i, 'the alert says what changed');
    await checkScreen(mine, 'the conflict alert');
    const before = await getArticle(server, a.id);
    assert.equal(before.draft.title, 'Their better title');
    await mine.getByRole('button', { name: 'Keep mine', exact: true }).click();
    await editor(mine).status.first().waitFor();
    const after = await getArticle(server, a.id);
    assert.ok(after.version > before.version, 'a new version was saved');
    assert.match(after.draft.body_html, /My careful sentence\./);
    assert.equal(after.draft.title, 'Shared article', 'mine, whole, is what was saved');
    assert.equal(after.draft.saved_by.id, team.users.writer.id);
    // Saving again goes through: the editor now holds the newest ETag.
    await typeAtEnd(mine, ' And one more.');
    await saveAndWait(mine);
    assert.match((await getArticle(server, a.id)).draft.body_html, /And one more\./);
    assertNoPageProblems(mine);
  });

  test('Take theirs loads the newer version and saves nothing of mine', async () => {
    const a = await createArticle(server, team.tokens.writer, { title: 'Another shared article', body_html: '<p>Start.</p>' });
    await conflict(a.id, ' A sentence I give up.');
    const before = await getArticle(server, a.id);
    await mine.getByRole('button', { name: 'Take theirs', exact: true }).click();
    await mine.getByRole('button', { name: 'Keep mine', exact: true }).waitFor({ state: 'hidden' });
    assert.equal(await editor(mine).title.inputValue(), 'Their better title');
    assert.doesNotMatch(await editor(mine).body.innerText(), /A sentence I give up/);
    const after = await getArticle(server, a.id);
    assert.equal(after.version, before.version, 'nothing was saved');
    // And the next save builds on theirs without another conflict.
    await typeAtEnd(mine, ' Building on theirs.');
    await saveAndWait(mine);
    const last = await getArticle(server, a.id);
    assert.equal(last.draft.title, 'Their better title');
    assert.match(last.draft.body_html, /Building on theirs\./);
    assertNoPageProblems(mine);
  });

  test('unsaved text survives a crashed tab and a reload, and can be discarded', async () => {
    const a = await createArticle(server, team.tokens.writer, { title: 'Half-written', body_html: '<p>Saved part.</p>' });
    await mine.goto(`/admin/articles/${encodeURIComponent(a.id)}`);
    await typeAtEnd(mine, ' Typed but never saved.');
    await editor(mine).title.fill('Half-written, retitled');
    // The tab crashes: closed without unload handlers running. A new tab
    // on the same article offers the text back.
    await mine.waitForTimeout(300);
    const context = mine.context();
    await mine.close({ runBeforeUnload: false });
    mine = await pageIn(context);
    await mine.goto(`/admin/articles/${encodeURIComponent(a.id)}`);
    const restore = mine.getByRole('button', { name: 'Restore unsaved changes', exact: true });
    await restore.waitFor();
    assert.equal(await mine.getByRole('button', { name: 'Discard unsaved changes', exact: true }).count(), 1);
    await checkScreen(mine, 'editor offering unsaved changes');
    await restore.click();
    await restore.waitFor({ state: 'hidden' });
    assert.match(await editor(mine).body.innerText(), /Typed but never saved\./);
    assert.equal(await editor(mine).title.inputValue(), 'Half-written, retitled');
    await saveAndWait(mine);
    let saved = await getArticle(server, a.id);
    assert.match(saved.draft.body_html, /Typed but never saved\./);
    assert.equal(saved.draft.title, 'Half-written, retitled');

    // Once saved, a reload offers nothing.
    await mine.reload();
    await editor(mine).body.waitFor();
    await mine.waitForTimeout(300);
    assert.equal(await mine.getByRole('button', { name: 'Restore unsaved changes', exact: true }).count(), 0);

    // Discard throws the local text away and keeps the saved one.
    await typeAtEnd(mine, ' Regrettable words.');
    await mine.waitForTimeout(300);
    await mine.reload();
    await mine.getByRole('button', { name: 'Discard unsaved changes', exact: true }).click();
    await mine.getByRole('button', { name: 'Restore unsaved changes', exact: true }).waitFor({ state: 'hidden' });
    assert.doesNotMatch(await editor(mine).body.innerText(), /Regrettable words/);
    await mine.reload();
    await editor(mine).body.waitFor();
    await mine.waitForTimeout(300);
    assert.equal(await mine.getByRole('button', { name: 'Restore unsaved changes', exact: true }).count(), 0);
    saved = await getArticle(server, a.id);
    assert.doesNotMatch(saved.draft.body_html, /Regrettable/);
    assertNoPageProblems(mine);
  });
});
