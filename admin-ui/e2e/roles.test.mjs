// A role never sees an action it may not take: for each role and each
// state, the editor shows no workflow button (and no Save) that API.md's
// tables refuse, and shows the ones the role is there for.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  adminEmail,
  assertNoPageProblems,
  checkScreen,
  createArticle,
  getArticle,
  launch,
  navigate,
  newPage,
  newsroom,
  people,
  signIn,
  startServer,
  transition,
} from './harness.mjs';

const actions = [
  'Save',
  'Submit for review',
  'Withdraw',
  'Approve',
  'Request changes',
  'Publish',
  'Schedule',
  'Unschedule',
  'Unpublish',
  'Archive',
  'Reopen',
];

/** allowed is API.md's role and workflow tables. */
function allowed(action, { roles, author, credentials }, { state, live }) {
  const editorRole = roles.includes('editor') || roles.includes('admin');
  const mayEdit = editorRole || (roles.includes('writer') && author);
  const reviews = roles.includes('reviewer') && credentials && !author;
  switch (action) {
    case 'Save':
      return mayEdit && ['draft', 'changes_requested', 'approved', 'scheduled', 'published'].includes(state);
    case 'Submit for review':
      return mayEdit && ['draft', 'changes_requested', 'published'].includes(state);
    case 'Withdraw':
      return mayEdit && state === 'in_review';
    case 'Approve':
    case 'Request changes':
      return reviews && state === 'in_review';
    case 'Publish':
    case 'Schedule':
      return editorRole && state === 'approved';
    case 'Unschedule':
      return editorRole && state === 'scheduled';
    case 'Unpublish':
      return editorRole && live;
    case 'Archive':
      return editorRole && !live && state !== 'archived';
    case 'Reopen':
      return editorRole && state === 'archived';
  }
  throw new Error(action);
}

/** What each role is there for: these must show. */
const expected = {
  writer: { draft: ['Save', 'Submit for review'], in_review: ['Withdraw'], published: ['Save', 'Submit for review'] },
  reviewer: { in_review: ['Approve', 'Request changes'] },
  editor: { approved: ['Publish', 'Schedule'], published: ['Unpublish'], archived: ['Reopen'] },
};

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

test('each role sees exactly the actions it may take', async () => {
  const w = team.tokens.writer;
  const ed = team.tokens.editor;
  const rv = team.tokens.reviewer;
  const made = {};
  made.draft = await createArticle(server, w, { title: 'State draft' });
  made.in_review = await createArticle(server, w, { title: 'State in review' });
  await transition(server, w, made.in_review.id, 'submit');
  made.approved = await createArticle(server, w, { title: 'State approved' });
  await transition(server, w, made.approved.id, 'submit');
  await transition(server, rv, made.approved.id, 'approve');
  made.published = await createArticle(server, w, { title: 'State published' });
  await transition(server, w, made.published.id, 'submit');
  await transition(server, rv, made.published.id, 'approve');
  await transition(server, ed, made.published.id, 'publish');
  made.archived = await createArticle(server, w, { title: 'State archived' });
  await transition(server, ed, made.archived.id, 'archive');

  const viewers = [
    { key: 'writer', email: people.writer.email, roles: ['writer'], author: true, credentials: '' },
    { key: 'writer2', email: people.writer2.email, roles: ['writer'], author: false, credentials: '' },
    { key: 'reviewer', email: people.reviewer.email, roles: ['reviewer'], author: false, credentials: people.reviewer.credentials },
    { key: 'editor', email: people.editor.email, roles: ['editor'], author: false, credentials: '' },
    { key: 'admin', email: adminEmail, roles: ['admin'], author: false, credentials: '' },
  ];
  const failures = [];
  for (const v of viewers) {
    const page = await newPage(browser, server);
    await signIn(page, v.email);
    for (const [state, a] of Object.entries(made)) {
      await navigate(page, `/admin/articles/${encodeURIComponent(a.id)}`);
      const title = page.getByRole('textbox', { name: 'Title', exact: true });
      await title.waitFor();
      await page.waitForFunction(
        (t) => [...document.querySelectorAll('input')].some((i) => i.value === t),
        a.draft.title,
      );
      for (const name of expected[v.key]?.[state] ?? []) {
        await page
          .getByRole('button', { name, exact: true })
          .first()
          .waitFor({ timeout: 3000 })
          .catch(() => failures.push(`${v.key} on ${state}: ${name} is missing`));
      }
      await page.waitForTimeout(100);
      for (const name of actions) {
        if (allowed(name, v, { state, live: state === 'published' })) continue;
        if ((await page.getByRole('button', { name, exact: true }).count()) > 0) {
          failures.push(`${v.key} on ${state}: ${name} is shown but not allowed`);
        }
      }
    }
    await page.context().close();
  }
  assert.deepEqual(failures, []);
});

test('an editor schedules in the browser time zone, and unschedules', async () => {
  const a = await createArticle(server, team.tokens.writer, { title: 'Scheduled from Kolkata' });
  await transition(server, team.tokens.writer, a.id, 'submit');
  await transition(server, team.tokens.reviewer, a.id, 'approve');
  // India has no daylight saving: 09:30 there is 04:00 UTC on any day.
  const page = await newPage(browser, server, { timezoneId: 'Asia/Kolkata' });
  await signIn(page, people.editor.email);
  await page.goto(`/admin/articles/${encodeURIComponent(a.id)}`);
  await page.getByRole('button', { name: 'Schedule', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const day = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
  const at = dialog.getByLabel('Publish at', { exact: true });
  assert.equal(await at.getAttribute('type'), 'datetime-local');
  await at.fill(`${day}T09:30`);
  await checkScreen(page, 'Schedule dialog');
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  let got = await getArticle(server, a.id);
  assert.equal(got.state, 'scheduled');
  assert.equal(new Date(got.scheduled_at).toISOString(), `${day}T04:00:00.000Z`);

  await page.getByRole('button', { name: 'Unschedule', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  got = await getArticle(server, a.id);
  assert.equal(got.state, 'approved');
  assert.equal(got.scheduled_at, null);
  assertNoPageProblems(page);
  await page.context().close();
});
