// The frame around every screen: the server's headers, sign-in, deep
// links, the navigation each role gets, and every list screen checked with
// axe and at 360 px.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  adminEmail,
  assertNoPageProblems,
  checkScreen,
  createArticle,
  launch,
  newPage,
  newsroom,
  people,
  screenshot,
  signIn,
  startServer,
  transition,
} from './harness.mjs';

describe('shell', () => {
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

  test('the server sends the admin UI with a strict policy, and / leads there', async () => {
    const root = await fetch(server.url + '/', { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/admin/');

    for (const p of ['/admin/', '/admin/articles/some-id', '/admin/users']) {
      const res = await fetch(server.url + p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type'), /^text\/html/);
      const csp = res.headers.get('content-security-policy');
      const directives = Object.fromEntries(
        csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]),
      );
      assert.equal(directives['script-src'], "'self'", csp);
      assert.doesNotMatch(directives['script-src'], /unsafe-inline|unsafe-eval/);
      assert.equal(directives['frame-ancestors'], "'none'", csp);
      assert.ok(res.headers.get('etag'), 'ETag');
    }
    const missing = await fetch(server.url + '/admin/assets/no-such-file.js');
    assert.equal(missing.status, 404);
  });

  test('a failed sign-in says why in an alert; a good one reaches the article list', async () => {
    const page = await newPage(browser, server);
    await page.goto('/admin/login');
    await screenshot(page, 'login');
    await checkScreen(page, 'sign-in');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(people.writer.email);
    await page.getByLabel('Password', { exact: true }).fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    assert.notEqual((await page.getByRole('alert').innerText()).trim(), '');
    await checkScreen(page, 'sign-in with an error');

    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Articles' }).waitFor();
    assert.match(page.url(), /\/admin\/articles$/);
    assertNoPageProblems(page);
    await page.context().close();
  });

  test('a deep link works on reload and the session survives it', async () => {
    const a = await createArticle(server, team.tokens.writer, { title: 'Deep link target' });
    const page = await newPage(browser, server);
    // Signed out, a deep link asks for a sign-in, then goes where it led.
    await page.goto(`/admin/articles/${a.id}`);
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(people.writer.email);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`**/admin/articles/${a.id}`);
    await page.getByRole('textbox', { name: 'Title', exact: true }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Title', exact: true }).inputValue(), 'Deep link target');
    await page.reload();
    await page.getByRole('textbox', { name: 'Title', exact: true }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Title', exact: true }).inputValue(), 'Deep link target');
    assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).count(), 0);
    for (const p of ['/admin/reviews', '/admin/topics']) {
      await page.goto(p);
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Sign in', exact: true }).count(), 0, p);
    }
    assertNoPageProblems(page);
    await page.context().close();
  });

  test('each role gets the navigation and actions it may use', async () => {
    const nav = (page) => page.getByRole('navigation', { name: 'Main' });
    const links = async (page) =>
      (await nav(page).getByRole('link').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
    const cases = [
      { who: people.writer.email, nav: ['Articles', 'Review queue', 'Topics'], newArticle: true },
      { who: people.reviewer.email, nav: ['Articles', 'Review queue', 'Topics'], newArticle: false },
      { who: people.editor.email, nav: ['Articles', 'Review queue', 'Topics'], newArticle: true },
      { who: adminEmail, nav: ['Articles', 'Review queue', 'Topics', 'Users', 'API keys'], newArticle: true },
    ];
    for (const c of cases) {
      const page = await newPage(browser, server);
      await signIn(page, c.who);
      await page.getByRole('heading', { level: 1, name: 'Articles' }).waitFor();
      assert.deepEqual(await links(page), c.nav, c.who);
      assert.equal(await page.getByRole('link', { name: 'New article', exact: true }).count(), c.newArticle ? 1 : 0, c.who);
      assert.equal(await page.getByRole('button', { name: 'Sign out', exact: true }).count(), 1, c.who);
      if (!c.nav.includes('Users')) {
        // A deep link to an admin screen shows no admin controls.
        await page.goto('/admin/users');
        await page.getByRole('navigation', { name: 'Main' }).waitFor();
        assert.equal(await page.getByRole('button', { name: 'New user', exact: true }).count(), 0, c.who);
      }
      await page.context().close();
    }
  });

  test('every list screen passes axe and fits 360 px', async () => {
    // Something in each list, so rows are checked too.
    const inReview = await createArticle(server, team.tokens.writer, {
      title: 'Tofacitinib and the heart: what the trials found about long-term safety',
      topics: ['jak-inhibitors'],
    });
    await transition(server, team.tokens.writer, inReview.id, 'submit');
    await server.want(201, 'POST', '/api/v1/editor/api-keys', {
      token: server.adminToken,
      body: { name: 'Website', scope: 'delivery' },
    });

    const page = await newPage(browser, server);
    await signIn(page, adminEmail);
    const screens = [
      ['/admin/articles', 'Articles', null],
      ['/admin/reviews', 'Review queue', null],
      ['/admin/topics', 'Topics', null],
      ['/admin/users', 'Users', null],
      ['/admin/keys', 'API keys', null],
    ];
    for (const [p, heading, shot] of screens) {
      await page.goto(p);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      if (p === '/admin/reviews' || p === '/admin/articles') {
        await page.getByRole('link', { name: /Tofacitinib and the heart/ }).waitFor();
      }
      if (shot) await screenshot(page, shot);
      await checkScreen(page, heading);
    }

    await page.goto('/admin/articles/new');
    await page.getByRole('textbox', { name: 'Body', exact: true }).waitFor();
    await checkScreen(page, 'new article');

    // The article list's filters, by the names UI.md gives them.
    await page.goto('/admin/articles');
    await page.getByRole('heading', { level: 1, name: 'Articles' }).waitFor();
    for (const [role, name] of [
      ['combobox', 'State'],
      ['combobox', 'Topic'],
      ['checkbox', 'Mine'],
      ['checkbox', 'Review overdue'],
      ['searchbox', 'Search'],
    ]) {
      assert.equal(await page.getByRole(role, { name, exact: true }).count(), 1, `${role} ${name}`);
    }
    await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('Tofacitinib');
    await page.getByRole('link', { name: /Tofacitinib and the heart/ }).waitFor();

    // The review queue shows the author beside the title.
    await page.goto('/admin/reviews');
    await page.getByRole('link', { name: /Tofacitinib and the heart/ }).waitFor();
    assert.match(await page.getByRole('main').innerText(), /Wendy Writer/);

    // The forms behind the New buttons.
    for (const [p, heading, button] of [
      ['/admin/users', 'Users', 'New user'],
      ['/admin/topics', 'Topics', 'New topic'],
      ['/admin/keys', 'API keys', 'New key'],
    ]) {
      await page.goto(p);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.getByRole('button', { name: button, exact: true }).click();
      await page.getByRole('textbox', { name: 'Name', exact: true }).first().waitFor();
      await checkScreen(page, `${heading}: ${button}`);
    }
    assertNoPageProblems(page);
    await page.context().close();
  });

  test('an admin creates a user, a topic and a key from the UI', async () => {
    const page = await newPage(browser, server);
    await signIn(page, adminEmail);
    await page.goto('/admin/users');
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    await page.getByRole('button', { name: 'New user', exact: true }).click();
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill('petra@example.com');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Petra Pharmacist');
    await page.getByLabel('Password', { exact: true }).fill('a long enough password');
    await page.getByRole('textbox', { name: 'Credentials', exact: true }).fill('PharmD');
    const roles = page.getByRole('group', { name: 'Roles' });
    for (const role of ['Writer', 'Reviewer', 'Editor', 'Admin']) {
      await roles.getByRole('checkbox', { name: role, exact: true }).setChecked(role === 'Reviewer');
    }
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('petra@example.com').first().waitFor();
    const users = await server.want(200, 'GET', '/api/v1/editor/users', { token: server.adminToken });
    const petra = users.items.find((u) => u.email === 'petra@example.com');
    assert.ok(petra, 'the user exists');
    assert.deepEqual(petra.roles, ['reviewer']);
    assert.equal(petra.credentials, 'PharmD');

    await page.goto('/admin/topics');
    await page.getByRole('heading', { level: 1, name: 'Topics' }).waitFor();
    await page.getByRole('button', { name: 'New topic', exact: true }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Psoriasis');
    await page.getByRole('textbox', { name: 'Slug', exact: true }).fill('psoriasis');
    await page.getByRole('textbox', { name: 'Description', exact: true }).fill('A skin condition.');
    await page.getByRole('textbox', { name: 'Aliases', exact: true }).fill('psoriatic disease, plaque psoriasis');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    const topic = await server.want(200, 'GET', '/api/v1/editor/topics/psoriasis', { token: server.adminToken });
    assert.equal(topic.name, 'Psoriasis');
    assert.deepEqual(topic.aliases, ['psoriatic disease', 'plaque psoriasis']);
    assert.match(topic.description_html, /A skin condition\./);

    await page.goto('/admin/keys');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByRole('button', { name: 'New key', exact: true }).click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Preview site');
    await page.getByRole('combobox', { name: 'Scope', exact: true }).selectOption('preview');
    await page.getByRole('button', { name: 'Create key', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).first().waitFor();
    const keys = await server.want(200, 'GET', '/api/v1/editor/api-keys', { token: server.adminToken });
    assert.ok(keys.items.some((k) => k.name === 'Preview site' && k.scope === 'preview'), JSON.stringify(keys));
    assertNoPageProblems(page);
    await page.context().close();
  });
});
