// The whole story, as three people in three browsers: a writer drafts with
// bold text, a topic and a PubMed reference and submits; a medical reviewer
// requests changes; the writer fixes and resubmits; the reviewer sees the
// change and approves; an editor publishes; readers get it from delivery.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertNoPageProblems,
  checkScreen,
  editor,
  getArticle,
  launch,
  newPage,
  newsroom,
  people,
  saveAndWait,
  screenshot,
  signIn,
  startServer,
} from './harness.mjs';

let server, browser, team;
before(async () => {
  server = await startServer();
  team = await newsroom(server);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** confirm opens a workflow dialog, checks it, and confirms it. */
async function workflow(page, action, { comment, check } = {}) {
  await page.getByRole('button', { name: action, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.notEqual((await dialog.innerText()).trim(), '', `${action}: the dialog says what will happen`);
  assert.equal(await dialog.getByRole('button', { name: 'Cancel', exact: true }).count(), 1, `${action}: Cancel`);
  if (check) await check(dialog);
  if (comment !== undefined) await dialog.getByRole('textbox', { name: 'Comment', exact: true }).fill(comment);
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

async function waitForState(id, state) {
  for (let i = 0; i < 50; i++) {
    const a = await getArticle(server, id);
    if (a.state === state) return a;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`article ${id} never reached ${state}: ${(await getArticle(server, id)).state}`);
}

test('writer, reviewer and editor take an article from draft to readers', async () => {
  const writer = await newPage(browser, server);
  const reviewer = await newPage(browser, server);
  const editorPage = await newPage(browser, server);

  // The writer drafts.
  await signIn(writer, people.writer.email);
  await writer.getByRole('link', { name: 'New article', exact: true }).click();
  await writer.waitForURL('**/admin/articles/new');
  const ed = editor(writer);
  await ed.title.fill('Baricitinib: how it works');
  await ed.summary.fill('What a JAK inhibitor does in rheumatoid arthritis.');
  await ed.body.click();
  await writer.keyboard.type('Baricitinib is ');
  await ed.tool('Bold').click();
  await writer.keyboard.type('not an antibiotic');
  await ed.tool('Bold').click();
  await writer.keyboard.type('; it calms an overactive immune system.');
  for (const name of ['Italic', 'Heading 2', 'Heading 3', 'Bulleted list', 'Numbered list', 'Link', 'Blockquote', 'Table']) {
    assert.equal(await ed.tool(name).count(), 1, `toolbar button ${name}`);
  }
  await ed.topics.getByRole('checkbox', { name: 'JAK inhibitors', exact: true }).check();
  await writer.getByRole('button', { name: 'Add reference', exact: true }).click();
  const ref = writer.getByRole('group', { name: 'Reference 1', exact: true });
  await ref.getByRole('textbox', { name: 'Reference title', exact: true }).fill('Baricitinib in rheumatoid arthritis');
  await ref.getByRole('textbox', { name: 'URL', exact: true }).fill('https://pubmed.ncbi.nlm.nih.gov/26933951/');
  await ref.getByRole('textbox', { name: 'PMID', exact: true }).fill('26933951');
  assert.equal(await ref.getByRole('textbox', { name: 'DOI', exact: true }).count(), 1);
  assert.equal(await ref.getByRole('button', { name: 'Remove reference', exact: true }).count(), 1);
  await saveAndWait(writer);
  await writer.waitForURL(/\/admin\/articles\/(?!new)[^/]+$/);
  const id = decodeURIComponent(new URL(writer.url()).pathname.split('/').pop());
  await screenshot(writer, 'editor');
  await checkScreen(writer, 'editor (writer, draft)');

  let a = await getArticle(server, id);
  assert.equal(a.state, 'draft');
  assert.equal(a.author.id, team.users.writer.id);
  assert.equal(a.draft.title, 'Baricitinib: how it works');
  assert.match(a.draft.body_html, /<strong>not an antibiotic<\/strong>/);
  assert.deepEqual(a.draft.topics, ['jak-inhibitors']);
  assert.equal(a.draft.references.length, 1);
  assert.equal(a.draft.references[0].pmid, '26933951');
  assert.equal(a.draft.references[0].url, 'https://pubmed.ncbi.nlm.nih.gov/26933951/');
  // A writer may not approve or publish.
  for (const name of ['Approve', 'Request changes', 'Publish', 'Schedule']) {
    assert.equal(await writer.getByRole('button', { name, exact: true }).count(), 0, `writer sees ${name}`);
  }

  // Keyboard: focus moves into a dialog, Escape closes it, focus comes back.
  const submit = writer.getByRole('button', { name: 'Submit for review', exact: true });
  await submit.focus();
  await writer.keyboard.press('Enter');
  await writer.getByRole('dialog').waitFor();
  assert.ok(
    await writer.getByRole('dialog').evaluate((d) => d.contains(document.activeElement)),
    'focus is inside the dialog',
  );
  await writer.keyboard.press('Escape');
  await writer.getByRole('dialog').waitFor({ state: 'hidden' });
  assert.ok(await submit.evaluate((b) => b === document.activeElement), 'focus is back on the button');
  assert.equal((await getArticle(server, id)).state, 'draft', 'Escape changed nothing');

  await workflow(writer, 'Submit for review', {
    check: async (d) => checkScreen(writer, 'Submit for review dialog'),
  });
  a = await waitForState(id, 'in_review');

  // The reviewer requests changes from the review queue.
  await signIn(reviewer, people.reviewer.email);
  await reviewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review queue', exact: true }).click();
  await reviewer.getByRole('heading', { level: 1, name: 'Review queue' }).waitFor();
  await reviewer.getByRole('link', { name: 'Baricitinib: how it works' }).click();
  await reviewer.waitForURL(`**/admin/articles/${encodeURIComponent(id)}`);
  await reviewer.getByRole('button', { name: 'Approve', exact: true }).waitFor();
  // Reviewers cannot edit or publish.
  for (const name of ['Save', 'Publish', 'Submit for review', 'Withdraw']) {
    assert.equal(await reviewer.getByRole('button', { name, exact: true }).count(), 0, `reviewer sees ${name}`);
  }
  await checkScreen(reviewer, 'editor (reviewer, in review)');
  await workflow(reviewer, 'Request changes', {
    comment: 'Please say how often it is taken.',
    check: async (d) => {
      // Comment is required: Confirm with none does not go through.
      const confirm = d.getByRole('button', { name: 'Confirm', exact: true });
      if (await confirm.isEnabled()) await confirm.click();
      await reviewer.waitForTimeout(300);
      assert.equal((await getArticle(server, id)).state, 'in_review');
      assert.equal(await d.isVisible(), true, 'the dialog stays open without a comment');
      await checkScreen(reviewer, 'Request changes dialog');
    },
  });
  await waitForState(id, 'changes_requested');

  // The writer fixes and resubmits.
  await writer.reload();
  await ed.body.waitFor();
  await ed.body.click();
  await writer.keyboard.press('Control+End');
  await writer.keyboard.press('Enter');
  await writer.keyboard.type('It is taken once a day.');
  await saveAndWait(writer);
  a = await getArticle(server, id);
  assert.match(a.draft.body_html, /once a day/);
  assert.match(a.draft.body_html, /<strong>not an antibiotic<\/strong>/);
  await workflow(writer, 'Submit for review');
  a = await waitForState(id, 'in_review');

  // The reviewer sees the change and approves exactly this content.
  await reviewer.reload();
  await reviewer.getByRole('button', { name: 'Approve', exact: true }).waitFor();
  await reviewer.getByRole('tab', { name: 'Changes', exact: true }).or(reviewer.getByRole('link', { name: 'Changes', exact: true })).click();
  const inserted = reviewer.locator('ins').filter({ hasText: /once a day/ });
  await inserted.first().waitFor();
  await checkScreen(reviewer, 'Changes');
  const hash = a.draft.content_hash;
  await workflow(reviewer, 'Approve', {
    comment: 'Accurate.',
    check: async (d) => {
      const text = await d.innerText();
      const hex = hash.replace(/^sha256:/, '');
      assert.ok(text.includes(hex.slice(0, 12)), `the Approve dialog shows the hash ${hash}: ${text}`);
      await screenshot(reviewer, 'approve-dialog');
      await checkScreen(reviewer, 'Approve dialog');
    },
  });
  a = await waitForState(id, 'approved');
  assert.equal(a.approval.content_hash, hash);
  assert.equal(a.approval.reviewer.id, team.users.reviewer.id);

  // The other views of the article, as the reviewer sees them.
  for (const name of ['Revisions', 'History', 'Preview']) {
    await reviewer.getByRole('tab', { name, exact: true }).or(reviewer.getByRole('link', { name, exact: true })).click();
    await reviewer.waitForTimeout(300);
    await checkScreen(reviewer, name);
  }

  // The editor publishes.
  await signIn(editorPage, people.editor.email);
  await editorPage.goto(`/admin/articles/${encodeURIComponent(id)}`);
  await editorPage.getByRole('button', { name: 'Publish', exact: true }).waitFor();
  for (const name of ['Approve', 'Request changes']) {
    assert.equal(await editorPage.getByRole('button', { name, exact: true }).count(), 0, `editor sees ${name}`);
  }
  await workflow(editorPage, 'Publish', { check: async () => checkScreen(editorPage, 'Publish dialog') });
  a = await waitForState(id, 'published');
  assert.ok(a.live, 'live');

  // Readers get it, bold text and all.
  const delivered = await server.want(200, 'GET', `/api/v1/delivery/articles/${a.slug}`);
  assert.equal(delivered.title, 'Baricitinib: how it works');
  assert.match(delivered.body_html, /<strong>not an antibiotic<\/strong>/);
  assert.match(delivered.body_html, /once a day/);
  assert.equal(delivered.references[0].pmid, '26933951');
  assert.equal(delivered.reviewed_by?.name, people.reviewer.name);

  // The history tells the story in order.
  const history = await server.want(200, 'GET', `/api/v1/editor/articles/${id}/history`, { token: server.adminToken });
  const actions = (history.items ?? history).map((h) => h.action);
  const steps = actions.filter((x) => ['submitted', 'changes_requested', 'approved', 'published'].includes(x));
  assert.deepEqual(steps, ['submitted', 'changes_requested', 'submitted', 'approved', 'published'], actions.join(' '));
  const requested = (history.items ?? history).find((h) => h.action === 'changes_requested');
  assert.equal(requested.comment, 'Please say how often it is taken.');
  const fixed = actions.indexOf('saved', actions.indexOf('changes_requested'));
  assert.ok(fixed > 0 && fixed < actions.lastIndexOf('submitted'), `the fix was saved before resubmitting: ${actions}`);

  for (const p of [writer, reviewer, editorPage]) assertNoPageProblems(p);
});
