// Topics are reviewed like articles: an editor creates a topic (kind,
// definition, an alias, a related topic) and submits it; a credentialed
// medical reviewer, who cannot edit topics, approves it from the Topics
// screen; the editor publishes; only then does delivery serve it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertNoPageProblems, checkScreen, launch, newPage, newsroom, people, signIn, startServer } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  await newsroom(server, { topics: [{ slug: 'rheumatoid-arthritis', name: 'Rheumatoid arthritis', kind: 'condition' }] });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const slug = 'jak-inhibitors';
const definition = 'Medicines that block Janus kinase enzymes to calm an overactive immune system.';

async function topic() {
  return server.want(200, 'GET', `/api/v1/editor/topics/${slug}`, { token: server.adminToken });
}

async function waitForState(state) {
  for (let i = 0; i < 50; i++) {
    const t = await topic();
    if (t.state === state) return t;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`topic never reached ${state}: ${(await topic()).state}`);
}

/** item is the list entry of a topic, by its name. */
function item(page, name) {
  return page.getByRole('list', { name: 'Topics' }).getByRole('listitem').filter({ has: page.getByRole('heading', { name, exact: true }) });
}

/** workflow clicks a topic's workflow button, checks its dialog and confirms. */
async function workflow(page, name, action, { comment, check } = {}) {
  await item(page, name).getByRole('button', { name: action, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.notEqual((await dialog.innerText()).trim(), '', `${action}: the dialog says what will happen`);
  assert.equal(await dialog.getByRole('button', { name: 'Cancel', exact: true }).count(), 1, `${action}: Cancel`);
  if (check) await check(dialog);
  if (comment !== undefined) await dialog.getByRole('textbox', { name: 'Comment', exact: true }).fill(comment);
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

test('editor creates and submits a topic, a reviewer approves it, the editor publishes it', async () => {
  const editorPage = await newPage(browser, server);
  const reviewer = await newPage(browser, server);

  await signIn(editorPage, people.editor.email, undefined, '/admin/topics');
  await editorPage.getByRole('heading', { level: 1, name: 'Topics' }).waitFor();
  await editorPage.getByRole('heading', { name: 'Rheumatoid arthritis', exact: true }).waitFor();
  await checkScreen(editorPage, 'topics (editor)');

  // The form.
  await editorPage.getByRole('button', { name: 'New topic', exact: true }).click();
  const form = editorPage.getByRole('dialog');
  await form.waitFor();
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill('JAK inhibitors');
  assert.equal(await form.getByRole('textbox', { name: 'Slug', exact: true }).inputValue(), slug);
  await form.getByRole('combobox', { name: 'Kind', exact: true }).selectOption('drug_class');
  const def = form.getByRole('textbox', { name: 'Definition', exact: true });
  assert.equal(await def.getAttribute('maxlength'), '300');
  await def.fill(definition);
  await form.getByRole('textbox', { name: 'Description', exact: true }).fill('A class of oral medicines.');
  await form.getByRole('textbox', { name: 'Aliases', exact: true }).fill('JAKi');
  await form
    .getByRole('group', { name: 'Related topics', exact: true })
    .getByRole('checkbox', { name: 'Rheumatoid arthritis', exact: true })
    .check();
  const required = form.getByRole('spinbutton', { name: 'Required approvals', exact: true });
  assert.equal(await required.getAttribute('min'), '1');
  assert.equal(await required.getAttribute('max'), '5');
  await required.fill('2');
  await checkScreen(editorPage, 'new topic dialog');
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await form.waitFor({ state: 'hidden' });

  let t = await topic();
  assert.equal(t.state, 'draft');
  assert.equal(t.kind, 'drug_class');
  assert.equal(t.definition, definition);
  assert.deepEqual(t.aliases, ['JAKi']);
  assert.deepEqual(t.related, ['rheumatoid-arthritis']);
  assert.equal(t.required_approvals, 2);

  // The list shows state, kind, definition and that it is not live.
  const entry = item(editorPage, 'JAK inhibitors');
  await entry.getByText('Draft', { exact: true }).waitFor();
  await entry.getByText('Kind: drug class').waitFor();
  await entry.getByText(definition).waitFor();
  await entry.getByText(/Not live/).waitFor();
  // Editors cannot approve; a draft cannot be published.
  for (const name of ['Approve', 'Request changes', 'Publish']) {
    assert.equal(await entry.getByRole('button', { name, exact: true }).count(), 0, `editor sees ${name} on a draft`);
  }

  await workflow(editorPage, 'JAK inhibitors', 'Submit for review', {
    check: async () => checkScreen(editorPage, 'topic Submit for review dialog'),
  });
  await waitForState('in_review');
  // Not reviewed, not published: delivery does not know it.
  await server.want(404, 'GET', `/api/v1/delivery/topics/${slug}`);

  // The reviewer (not an editor) reaches the topic and approves it.
  await signIn(reviewer, people.reviewer.email);
  await reviewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Topics', exact: true }).click();
  await reviewer.getByRole('heading', { level: 1, name: 'Topics' }).waitFor();
  const rEntry = item(reviewer, 'JAK inhibitors');
  await rEntry.getByRole('button', { name: 'Approve', exact: true }).waitFor();
  for (const name of ['New topic', 'Edit', 'Delete', 'Publish', 'Withdraw', 'Submit for review']) {
    assert.equal(await reviewer.getByRole('button', { name, exact: true }).count(), 0, `reviewer sees ${name}`);
  }
  await checkScreen(reviewer, 'topics (reviewer)');

  // Request changes needs a comment: without one nothing happens.
  await rEntry.getByRole('button', { name: 'Request changes', exact: true }).click();
  let dialog = reviewer.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await reviewer.waitForTimeout(300);
  assert.equal(await dialog.isVisible(), true, 'the dialog stays open without a comment');
  assert.equal((await topic()).state, 'in_review');
  await checkScreen(reviewer, 'topic Request changes dialog');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });

  t = await topic();
  await workflow(reviewer, 'JAK inhibitors', 'Approve', {
    comment: 'Accurate.',
    check: async (d) => {
      await d.getByText(t.content_hash).waitFor();
      await checkScreen(reviewer, 'topic Approve dialog');
    },
  });
  t = await waitForState('approved');
  assert.equal(t.approval.content_hash, t.content_hash);
  await server.want(404, 'GET', `/api/v1/delivery/topics/${slug}`);

  // A stale list: the editor's Publish meets a 412 and is told why.
  await editorPage.reload();
  await item(editorPage, 'JAK inhibitors').getByRole('button', { name: 'Publish', exact: true }).waitFor();
  await server.want(200, 'PUT', `/api/v1/editor/topics/${slug}`, {
    token: server.adminToken,
    body: { name: t.name, kind: t.kind, definition: t.definition, description_html: t.description_html, aliases: t.aliases, related: t.related, required_approvals: t.required_approvals },
    headers: { 'If-Match': `"${t.version}"` },
  });
  t = await topic();
  // A save that changes nothing keeps the approval (a change of the
  // rule, required_approvals, would not: it is reviewed like content).
  assert.equal(t.state, 'approved', 'an unchanged save keeps the approval');
  await item(editorPage, 'JAK inhibitors').getByRole('button', { name: 'Publish', exact: true }).click();
  dialog = editorPage.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.getByRole('alert').filter({ hasText: /Someone else changed/ }).waitFor();
  assert.equal((await topic()).state, 'approved', 'the stale Publish changed nothing');
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });

  // The editor publishes.
  await editorPage.reload();
  await workflow(editorPage, 'JAK inhibitors', 'Publish', {
    check: async () => checkScreen(editorPage, 'topic Publish dialog'),
  });
  t = await waitForState('published');
  assert.ok(t.live, 'the topic is live');
  await item(editorPage, 'JAK inhibitors').getByText(/Live: version/).waitFor();
  await item(editorPage, 'JAK inhibitors').getByText('Published', { exact: true }).waitFor();
  const delivered = await server.want(200, 'GET', `/api/v1/delivery/topics/${slug}`);
  assert.equal(delivered.definition, definition);
  await checkScreen(editorPage, 'topics (editor, published)');

  assertNoPageProblems(editorPage);
  assertNoPageProblems(reviewer);
});

test('a reviewer who saved the topic under review is not offered Approve', async () => {
  const erin = { email: 'erin@example.com', name: 'Erin Editor-Reviewer', roles: ['editor', 'reviewer'], credentials: 'PharmD' };
  await server.want(201, 'POST', '/api/v1/editor/users', {
    token: server.adminToken,
    body: { ...erin, password: 'correct horse battery staple' },
  });
  const erinToken = await server.login(erin.email);
  let t = await server.want(201, 'POST', '/api/v1/editor/topics', {
    token: server.adminToken,
    body: { slug: 'psoriasis', name: 'Psoriasis', kind: 'condition' },
  });
  // Erin's words: she saves the revision that goes to review.
  t = await server.want(200, 'PUT', '/api/v1/editor/topics/psoriasis', {
    token: erinToken,
    body: { name: 'Psoriasis', kind: 'condition', definition: 'A skin condition that causes red, scaly patches.' },
    headers: { 'If-Match': `"${t.version}"` },
  });
  assert.equal(t.saved_by.id, (await server.want(200, 'GET', '/api/v1/auth/me', { token: erinToken })).id);
  await server.want(200, 'POST', '/api/v1/editor/topics/psoriasis/transitions', {
    token: server.adminToken,
    body: { action: 'submit' },
    headers: { 'If-Match': `"${t.version}"` },
  });

  const page = await newPage(browser, server);
  await signIn(page, erin.email, undefined, '/admin/topics');
  const entry = item(page, 'Psoriasis');
  await entry.getByText('In review', { exact: true }).waitFor();
  for (const name of ['Approve', 'Request changes']) {
    assert.equal(await entry.getByRole('button', { name, exact: true }).count(), 0, `Erin is offered ${name} on her own words`);
  }
  await entry.getByText(/another reviewer must review it/).waitFor();
  await entry.getByRole('button', { name: 'Withdraw', exact: true }).waitFor(); // she is an editor too

  // Another reviewer is offered both.
  const rita = await newPage(browser, server);
  await signIn(rita, people.reviewer.email, undefined, '/admin/topics');
  await item(rita, 'Psoriasis').getByRole('button', { name: 'Approve', exact: true }).waitFor();
  await item(rita, 'Psoriasis').getByRole('button', { name: 'Request changes', exact: true }).waitFor();
  assertNoPageProblems(page);
  await page.context().close();
  await rita.context().close();
});
