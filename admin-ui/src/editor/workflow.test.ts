import { describe, expect, it } from 'vitest';
import type { Article, User } from '../lib/types';
import { allowedActions, isEditable, topicActions } from './workflow';

function user(id: string, roles: User['roles'], credentials = ''): User {
  return { id, email: `${id}@example.org`, name: id, roles, credentials, disabled: false, created_at: '' };
}

function article(state: Article['state'], extra: Partial<Article> = {}): Article {
  return {
    id: 'a1',
    slug: 's',
    state,
    version: 3,
    author: { id: 'w', name: 'w' },
    created_at: '',
    updated_at: '',
    draft: {
      revision: 2,
      title: 't',
      summary: '',
      body_html: '',
      topics: [],
      references: [],
      content_hash: 'sha256:h2',
      saved_by: { id: 'w', name: 'w' },
      saved_at: '',
    },
    approval: null,
    live: null,
    scheduled_at: null,
    review_due_at: null,
    ...extra,
  };
}

const noFacts = {
  revisions: [
    { revision: 2, content_hash: 'sha256:h2', saved_by: { id: 'w', name: 'w' } },
    { revision: 1, content_hash: 'sha256:h1', saved_by: { id: 'w', name: 'w' } },
  ],
  history: [],
};

const writer = user('w', ['writer']);
const other = user('o', ['writer']);
const reviewer = user('r', ['reviewer'], 'MD');
const editor = user('e', ['editor']);

describe('allowedActions', () => {
  it('lets a writer submit only their own draft', () => {
    expect(allowedActions(writer, article('draft'), noFacts)).toEqual(['submit']);
    expect(allowedActions(other, article('draft'), noFacts)).toEqual([]);
    expect(allowedActions(writer, article('in_review'), noFacts)).toEqual(['withdraw']);
  });
  it('lets a credentialed reviewer review what is not theirs', () => {
    expect(allowedActions(reviewer, article('in_review'), noFacts)).toEqual(['approve', 'request_changes']);
    expect(allowedActions(user('r', ['reviewer'], ''), article('in_review'), noFacts)).toEqual([]);
    expect(allowedActions(user('w', ['writer', 'reviewer'], 'MD'), article('in_review'), noFacts)).toEqual(['withdraw']);
    const saved = { ...noFacts, revisions: [{ revision: 2, content_hash: 'sha256:h2', saved_by: { id: 'r', name: 'r' } }] };
    expect(allowedActions(reviewer, article('in_review'), saved)).toEqual([]);
  });
  it('does not offer a second approval of the same hash', () => {
    const a = article('in_review', {
      approvals: [{ revision: 2, content_hash: 'sha256:h2', reviewer: { id: 'r', name: 'r' }, at: '' }],
    });
    expect(allowedActions(reviewer, a, noFacts)).toEqual(['request_changes']);
  });
  it('gives editors the publication side, by state', () => {
    const approval = { revision: 2, content_hash: 'sha256:h2', reviewer: { id: 'r', name: 'r' }, at: '' };
    expect(allowedActions(editor, article('approved', { approval }), noFacts)).toEqual(['publish', 'schedule', 'archive']);
    expect(allowedActions(editor, article('scheduled', { approval }), noFacts)).toEqual(['unschedule', 'archive']);
    const live = { version: 1, revision: 2, published_at: '', published_by: { id: 'e', name: 'e' } };
    expect(allowedActions(editor, article('published', { live }), noFacts)).toEqual(['submit', 'unpublish']);
    expect(allowedActions(editor, article('archived'), noFacts)).toEqual(['reopen']);
    expect(allowedActions(writer, article('approved', { approval }), noFacts)).toEqual([]);
  });
  it('does not offer publishing a draft whose hash is not the approved one', () => {
    const approval = { revision: 1, content_hash: 'sha256:h1', reviewer: { id: 'r', name: 'r' }, at: '' };
    expect(allowedActions(editor, article('approved', { approval }), noFacts)).toEqual(['schedule', 'archive']);
  });
});

describe('isEditable', () => {
  it('follows state and ownership', () => {
    expect(isEditable(writer, article('draft'))).toBe(true);
    expect(isEditable(other, article('draft'))).toBe(false);
    expect(isEditable(writer, article('in_review'))).toBe(false);
    expect(isEditable(editor, article('published'))).toBe(true);
    expect(isEditable(reviewer, article('draft'))).toBe(false);
    expect(isEditable(reviewer, null)).toBe(false);
  });
});

describe('topicActions', () => {
  const ed = user('e', ['editor']);
  const rev = user('r', ['reviewer'], 'MD');
  const t = (state: string, extra: Record<string, unknown> = {}) => ({ state, content_hash: 'h', approval: null, live: null, ...extra });

  it('lets editors submit, withdraw, publish the approved content, unpublish, archive and reopen', () => {
    expect(topicActions(ed, t('draft'))).toEqual(['submit', 'archive']);
    expect(topicActions(ed, t('in_review'))).toEqual(['withdraw', 'archive']);
    expect(topicActions(ed, t('approved', { approval: { content_hash: 'h' } }))).toEqual(['publish', 'archive']);
    expect(topicActions(ed, t('approved', { approval: { content_hash: 'old' } }))).toEqual(['archive']);
    expect(topicActions(ed, t('published', { live: { version: 1 } }))).toEqual(['submit', 'unpublish']);
    expect(topicActions(ed, t('archived'))).toEqual(['reopen']);
  });

  it('lets credentialed reviewers decide topics in review, and nothing else', () => {
    expect(topicActions(rev, t('in_review'))).toEqual(['approve', 'request_changes']);
    expect(topicActions(user('r2', ['reviewer']), t('in_review'))).toEqual([]);
    expect(topicActions(rev, t('draft'))).toEqual([]);
    expect(topicActions(rev, t('approved', { approval: { content_hash: 'h' } }))).toEqual([]);
    expect(topicActions(user('w', ['writer']), t('in_review'))).toEqual([]);
    expect(topicActions(null, t('in_review'))).toEqual([]);
  });

  it('keeps reviewers from deciding on words of their own', () => {
    const other = { id: 'e', name: 'e' };
    const mine = { id: 'r', name: 'r' };
    expect(topicActions(rev, t('in_review', { author: other, saved_by: other }))).toEqual(['approve', 'request_changes']);
    expect(topicActions(rev, t('in_review', { author: other, saved_by: mine }))).toEqual([]);
    expect(topicActions(rev, t('in_review', { author: mine, saved_by: other }))).toEqual([]);
    expect(topicActions(rev, t('in_review', { author: null, saved_by: null }))).toEqual(['approve', 'request_changes']);
  });

  it('offers nothing for a topic without a workflow state (an older server)', () => {
    expect(topicActions(ed, { content_hash: 'h' })).toEqual([]);
  });
});
