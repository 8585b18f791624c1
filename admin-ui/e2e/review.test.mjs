// Medical review in the browser (issue 11): a reviewer selects a sentence
// in the body and comments on it; the writer sees the comment beside the
// text, fixes the sentence and resolves the comment; the reviewer's
// Changes shows only the changed word (a number, labelled as one); the
// reviewer approves. With a topic that requires two approvals, the article
// is published only after a second reviewer approves.
//
// These need the review API (comments, required_approvals). Against a
// server without it (404 for /comments) they skip, saying why.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
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
  password,
  people,
  saveAndWait,
  screenshot,
  signIn,
  startServer,
  transition,
} from './harness.mjs';

let server, browser, team, reviewApi;
const reviewer2 = { email: 'ravi@example.com', name: 'Ravi Reviewer', roles: ['reviewer'], credentials: 'PharmD' };

before(async () => {
  server = await startServer();
  team = await newsroom(server);
  browser = await launch();
  // Does this server have review comments?
  const probe = await createArticle(server, team.tokens.writer, { title: 'Probe' });
  const res = await server.api('GET', `/api/v1/editor/articles/${probe.id}/comments`, { token: team.tokens.writer });
  reviewApi = res.status === 200;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const noReviewApi = 'the server has no review comments (GET /articles/{id}/comments is 404): merge the review API branch';

/** shot writes a screenshot at 1280 and 360 px to REVIEW_SHOTS (a directory), and to docs/screenshots with UPDATE_SCREENSHOTS=1. */
async function shot(page, name) {
  await screenshot(page, name);
  const dir = process.env.REVIEW_SHOTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({ path: path.join(dir, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 800 });
  await page.waitForTimeout(100);
  await page.screenshot({ path: path.join(dir, `${name}-360.png`), fullPage: true });
  await page.setViewportSize(size);
}

/** workflow opens a workflow dialog, lets check look at it, and confirms. */
async function workflow(page, action, { comment, check } = {}) {
  await page.getByRole('button', { name: action, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  if (check) await check(dialog);
  if (comment !== undefined) await dialog.getByRole('textbox', { name: 'Comment', exact: true }).fill(comment);
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

async function waitFor(fn, what) {
  for (let i = 0; i < 50; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`never: ${what}`);
}

/** selectText selects the first occurrence of text inside the body. */
async function selectText(page, text) {
  await editor(page).body.evaluate((el, text) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.data.indexOf(text);
      if (i < 0) continue;
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + text.length);
      const sel = document.getSelection();
      sel.removeAllRanges();
      sel.addRange(r);
      return;
    }
    throw new Error(`no ${text} in the body`);
  }, text);
}

test('a reviewer comments on a sentence, the writer fixes and resolves it, the reviewer sees one changed word and approves', async (t) => {
  if (!reviewApi) return t.skip(noReviewApi);
  const sentence = 'The usual dose is 2 mg once daily.';
  const a = await createArticle(server, team.tokens.writer, {
    title: 'Baricitinib dosing',
    body_html: `<p>Take it with water, with or without food.</p><p>${sentence}</p>`,
    topics: ['jak-inhibitors'],
  });
  await transition(server, team.tokens.writer, a.id, 'submit');

  // The reviewer selects the sentence with the mouse and comments on it.
  const reviewer = await newPage(browser, server);
  await signIn(reviewer, people.reviewer.email);
  await reviewer.goto(`/admin/articles/${a.id}`);
  await reviewer.getByRole('button', { name: 'Approve', exact: true }).waitFor();
  const comments = reviewer.getByRole('region', { name: 'Comments' });
  await comments.waitFor();
  assert.equal(await reviewer.getByRole('button', { name: 'Comment', exact: true }).count(), 0, 'no Comment without a selection');
  await editor(reviewer).body.getByText(sentence).click({ clickCount: 3 });
  const commentButton = reviewer.getByRole('button', { name: 'Comment', exact: true });
  await commentButton.waitFor();
  await commentButton.click();
  let dialog = reviewer.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /The usual dose is 2 mg once daily\./, 'the dialog shows the quoted passage');
  await dialog.getByRole('textbox', { name: 'Comment', exact: true }).fill('The dose is 4 mg, not 2 mg.');
  await shot(reviewer, 'review-comment-dialog');
  await dialog.getByRole('button', { name: 'Add comment', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  const item = comments.getByRole('listitem').filter({ hasText: 'The dose is 4 mg, not 2 mg.' });
  await item.waitFor();
  assert.match(await item.innerText(), /Rita Reviewer/);
  assert.match(await item.innerText(), /revision 1/);
  let stored = await server.want(200, 'GET', `/api/v1/editor/articles/${a.id}/comments`, { token: team.tokens.writer });
  assert.equal(stored.items.length, 1);
  assert.equal(stored.items[0].quote, sentence, 'the quote is the selected sentence');
  assert.equal(stored.items[0].revision, 1);
  assert.equal((await getArticle(server, a.id)).open_comments, 1);
  // Show in text selects the quoted words in the body.
  await reviewer.evaluate(() => document.getSelection().removeAllRanges());
  await item.getByRole('button', { name: 'Show in text', exact: true }).click();
  assert.equal((await reviewer.evaluate(() => document.getSelection().toString())).trim(), sentence);

  // Keyboard: a selection made with the keyboard, then Tab to Comment and Enter.
  await selectText(reviewer, 'with or without food');
  await commentButton.waitFor();
  await commentButton.focus();
  await reviewer.keyboard.press('Enter');
  dialog = reviewer.getByRole('dialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /with or without food/);
  await reviewer.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  await checkScreen(reviewer, 'editor with review comments');
  await shot(reviewer, 'review-comments');
  await workflow(reviewer, 'Request changes', { comment: 'See my comment on the dose.' });
  await waitFor(async () => (await getArticle(server, a.id)).state === 'changes_requested', 'changes requested');

  // The writer sees why, and the comment beside the text.
  const writer = await newPage(browser, server);
  await signIn(writer, people.writer.email);
  await writer.goto(`/admin/articles/${a.id}`);
  const lastReview = writer.getByRole('note', { name: 'Last review' });
  await lastReview.waitFor();
  assert.match(await lastReview.innerText(), /Changes requested by Rita Reviewer/);
  assert.match(await lastReview.innerText(), /See my comment on the dose\./);
  const wItem = writer.getByRole('region', { name: 'Comments' }).getByRole('listitem').filter({ hasText: 'The dose is 4 mg, not 2 mg.' });
  await wItem.waitFor();
  assert.match(await wItem.innerText(), new RegExp(sentence.replace(/\./g, '\\.')), 'the quote is shown');

  // The writer fixes the dose: one word.
  const ed = editor(writer);
  await ed.body.click();
  await selectText(writer, '2 mg');
  await writer.keyboard.type('4 mg');
  await saveAndWait(writer);
  let saved = await getArticle(server, a.id);
  assert.match(saved.draft.body_html, /The usual dose is 4 mg once daily\./);
  // The quoted words are gone: the comment says which revision it was on, its quote still readable.
  await wItem.getByText('On revision 1:').waitFor();
  assert.match(await wItem.innerText(), /The usual dose is 2 mg once daily\./);
  await shot(writer, 'review-comment-moved');
  await wItem.getByRole('button', { name: 'Resolve', exact: true }).click();
  await wItem.waitFor({ state: 'detached' });
  stored = await server.want(200, 'GET', `/api/v1/editor/articles/${a.id}/comments`, { token: team.tokens.writer });
  assert.ok(stored.items[0].resolved_at, 'resolved');
  assert.equal(stored.items[0].resolved_by.name, people.writer.name);
  assert.equal((await getArticle(server, a.id)).open_comments, 0);
  await workflow(writer, 'Submit for review');
  await waitFor(async () => (await getArticle(server, a.id)).state === 'in_review', 'resubmitted');

  // The reviewer's Changes: since they last reviewed, only the dose changed.
  await reviewer.reload();
  await reviewer.getByRole('button', { name: 'Approve', exact: true }).waitFor();
  await reviewer.getByRole('tab', { name: 'Changes', exact: true }).click();
  const mine = reviewer.getByRole('region', { name: 'Changes since you last reviewed' });
  await mine.locator('ins').first().waitFor();
  const ins = (await mine.locator('ins').allTextContents()).map((s) => s.replace(/\[[^:]*:\s*|\]/g, '').trim());
  const del = (await mine.locator('del').allTextContents()).map((s) => s.replace(/\[[^:]*:\s*|\]/g, '').trim());
  assert.deepEqual(ins, ['4'], 'only the dose was inserted');
  assert.deepEqual(del, ['2'], 'only the old dose was deleted');
  const mineText = await mine.innerText();
  assert.match(mineText, /1 number changed/, 'changed numbers are counted in words');
  assert.match(mineText, /NUMBER|number/, 'the changed number carries a text tag');
  assert.match(await mine.locator('ins').first().textContent(), /changed number/, 'screen readers hear it is a number');
  await checkScreen(reviewer, 'Changes since you last reviewed');
  await shot(reviewer, 'review-changes');

  // The reviewer approves, seeing how many approvals are needed.
  await workflow(reviewer, 'Approve', {
    check: async (d) => assert.match(await d.innerText(), /Approvals so far: 0 of 1 required/),
  });
  saved = await waitFor(async () => {
    const x = await getArticle(server, a.id);
    return x.state === 'approved' && x;
  }, 'approved');
  assert.equal(saved.approval.reviewer.name, people.reviewer.name);
  assertNoPageProblems(reviewer);
  assertNoPageProblems(writer);
  await reviewer.context().close();
  await writer.context().close();
});

test('a topic that requires two approvals: published only after the second reviewer approves', async (t) => {
  if (!reviewApi) return t.skip(noReviewApi);
  const topic = await server.api('POST', '/api/v1/editor/topics', {
    token: server.adminToken,
    body: { slug: 'tofacitinib', name: 'Tofacitinib', required_approvals: 2 },
  });
  if (topic.status !== 201 || topic.body.required_approvals !== 2) {
    return t.skip(`topics do not take required_approvals on this server (${topic.status})`);
  }
  // The number counts once reviewed: submit, approve (by someone other
  // than the admin who wrote it), publish.
  let tp = topic.body;
  for (const [token, action] of [
    [server.adminToken, 'submit'],
    [team.tokens.reviewer, 'approve'],
    [server.adminToken, 'publish'],
  ]) {
    tp = await server.want(200, 'POST', '/api/v1/editor/topics/tofacitinib/transitions', {
      token,
      body: { action },
      headers: { 'If-Match': `"${tp.version}"` },
    });
  }
  await server.want(201, 'POST', '/api/v1/editor/users', {
    token: server.adminToken,
    body: { ...reviewer2, password },
  });
  const a = await createArticle(server, team.tokens.writer, {
    title: 'Tofacitinib and shingles',
    body_html: '<p>About 4% of people taking tofacitinib get shingles.</p>',
    topics: ['tofacitinib'],
  });
  assert.equal(a.required_approvals, 2);
  await transition(server, team.tokens.writer, a.id, 'submit');

  // First reviewer.
  const first = await newPage(browser, server);
  await signIn(first, people.reviewer.email);
  await first.goto(`/admin/articles/${a.id}`);
  await workflow(first, 'Approve', {
    check: async (d) => {
      const text = await d.innerText();
      assert.match(text, /Approvals so far: 0 of 2 required/);
      assert.match(text, /1 more is needed/);
    },
  });
  let now = await waitFor(async () => {
    const x = await getArticle(server, a.id);
    return x.approvals?.length === 1 && x;
  }, 'first approval');
  assert.equal(now.state, 'in_review', 'one approval of two keeps it in review');

  // The editor cannot publish yet.
  const editorPage = await newPage(browser, server);
  await signIn(editorPage, people.editor.email);
  await editorPage.goto(`/admin/articles/${a.id}`);
  await editorPage.getByRole('heading', { level: 1, name: 'Tofacitinib and shingles' }).waitFor();
  assert.equal(await editorPage.getByRole('button', { name: 'Publish', exact: true }).count(), 0, 'no Publish after one approval of two');

  // The second reviewer finds it in the queue with 1 of 2 approvals.
  const second = await newPage(browser, server);
  await signIn(second, reviewer2.email);
  await second.goto('/admin/reviews');
  const row = second.getByRole('row').filter({ has: second.getByRole('link', { name: 'Tofacitinib and shingles' }) });
  await row.waitFor();
  await waitFor(async () => /1 of 2/.test(await row.innerText()), 'queue shows 1 of 2 approvals');
  assert.match(await row.innerText(), /Rita Reviewer/);
  assert.match(await row.innerText(), /Wendy Writer/);
  assert.match(await row.innerText(), /Tofacitinib/);
  await checkScreen(second, 'review queue with approvals');
  await shot(second, 'review-queue-approvals');
  await row.getByRole('link', { name: 'Tofacitinib and shingles' }).click();
  await workflow(second, 'Approve', {
    check: async (d) => {
      const text = await d.innerText();
      assert.match(text, /Approvals so far: 1 of 2 required/);
      assert.match(text, /Rita Reviewer \(MD, Rheumatology\)/, 'who approved is shown');
      assert.match(text, /Your approval completes the review/);
    },
  });
  now = await waitFor(async () => {
    const x = await getArticle(server, a.id);
    return x.state === 'approved' && x;
  }, 'approved by two');
  assert.equal(now.approvals.length, 2);

  // Now the editor publishes.
  await editorPage.reload();
  await workflow(editorPage, 'Publish');
  now = await waitFor(async () => {
    const x = await getArticle(server, a.id);
    return x.live && x;
  }, 'published');
  const live = await server.want(200, 'GET', `/api/v1/delivery/articles/${now.slug}`);
  assert.deepEqual(
    (live.reviewers ?? []).map((r) => r.name),
    [people.reviewer.name, reviewer2.name],
    'delivery names both reviewers',
  );
  for (const p of [first, second, editorPage]) {
    assertNoPageProblems(p);
    await p.context().close();
  }
});
