// Which workflow actions to offer: the rules of workflow/decide.go seen from
// the browser (roles, state, ownership, reviewer credentials, self-review),
// so an action the server would refuse is not shown at all. The server
// still decides; this only keeps the screen honest.
import type { Article, HistoryEvent, Revision, User } from '../lib/types';

export type Action =
  | 'submit'
  | 'withdraw'
  | 'approve'
  | 'request_changes'
  | 'publish'
  | 'schedule'
  | 'unschedule'
  | 'unpublish'
  | 'archive'
  | 'reopen';

/** The button label of each action (UI.md names them). */
export const actionLabels: Record<Action, string> = {
  submit: 'Submit for review',
  withdraw: 'Withdraw',
  approve: 'Approve',
  request_changes: 'Request changes',
  publish: 'Publish',
  schedule: 'Schedule',
  unschedule: 'Unschedule',
  unpublish: 'Unpublish',
  archive: 'Archive',
  reopen: 'Reopen',
};

const order: Action[] = [
  'submit',
  'withdraw',
  'approve',
  'request_changes',
  'publish',
  'schedule',
  'unschedule',
  'unpublish',
  'archive',
  'reopen',
];

/** What the rules need to know besides the article. */
export interface ReviewFacts {
  /** Every revision (newest first, as GET /revisions answers). */
  revisions: Pick<Revision, 'revision' | 'content_hash' | 'saved_by'>[];
  /** The article's history (oldest first). */
  history: Pick<HistoryEvent, 'action' | 'revision' | 'actor'>[];
}

/** allowedActions lists the actions user may take on a now. */
export function allowedActions(user: User | null, a: Article, facts: ReviewFacts): Action[] {
  if (!user || user.disabled) return [];
  const has = (r: string) => user.roles.includes(r as User['roles'][number]);
  const editor = has('editor') || has('admin');
  const writes = has('writer') || editor;
  const owns = user.id !== '' && user.id === a.author.id;
  const s = a.state;
  const ok = (act: Action): boolean => {
    switch (act) {
      case 'submit':
        return writes && (s === 'draft' || s === 'changes_requested' || s === 'published') && (editor || owns);
      case 'withdraw':
        return writes && s === 'in_review' && (editor || owns);
      case 'approve':
      case 'request_changes':
        if (!has('reviewer') || s !== 'in_review' || !mayReview(user, a, facts)) return false;
        if (act === 'approve') {
          const already = (a.approvals ?? []).some(
            (p) => p.reviewer.id === user.id && p.content_hash === a.draft.content_hash,
          );
          return !already;
        }
        return true;
      case 'publish':
        return editor && s === 'approved' && !!a.approval && a.approval.content_hash === a.draft.content_hash;
      case 'schedule':
        return editor && s === 'approved';
      case 'unschedule':
        return editor && s === 'scheduled';
      case 'unpublish':
        return editor && !!a.live;
      case 'archive':
        return editor && s !== 'archived' && !a.live;
      case 'reopen':
        return editor && s === 'archived';
    }
  };
  return order.filter(ok);
}

// mayReview: credentials on the profile, not the author, and none of the
// content under review is the reviewer's own (no revision saved since the
// last approval, no revision of theirs with the hash under review).
function mayReview(user: User, a: Article, facts: ReviewFacts): boolean {
  if (!user.credentials.trim()) return false;
  if (user.id === a.author.id) return false;
  let lastApproved = 0;
  for (const e of facts.history) {
    if (e.action === 'approved' && e.actor.id !== user.id && e.revision) lastApproved = e.revision;
  }
  for (const r of facts.revisions) {
    if (r.saved_by.id !== user.id) continue;
    if (r.revision > lastApproved) return false;
    if (r.content_hash === a.draft.content_hash) return false;
  }
  return true;
}

/** isEditable: the states in which a save is accepted (API.md workflow). */
export function isEditable(user: User | null, a: Article | null): boolean {
  if (!user) return false;
  const editor = user.roles.includes('editor') || user.roles.includes('admin');
  if (!a) return user.roles.includes('writer') || editor;
  if (a.state === 'in_review' || a.state === 'archived') return false;
  if (editor) return true;
  return user.roles.includes('writer') && user.id === a.author.id;
}

/** stateLabels say each state in words for the badge. */
export const stateLabels: Record<string, string> = {
  draft: 'Draft',
  in_review: 'In review',
  changes_requested: 'Changes requested',
  approved: 'Approved',
  scheduled: 'Scheduled',
  published: 'Published',
  archived: 'Archived',
};

/**
 * topicActions lists the workflow actions user may take on a topic now:
 * the article rules without scheduling. The self-review rule is applied
 * as far as the topic's JSON tells: its author and whoever saved the
 * revision under review do not decide on it. The rest of that rule (a
 * reviewer's earlier revisions since the last approval) is left to the
 * server, whose refusal the dialog explains.
 */
export function topicActions(
  user: User | null,
  t: {
    state?: string;
    content_hash?: string;
    approval?: { content_hash: string } | null;
    live?: unknown;
    author?: { id: string } | null;
    saved_by?: { id: string } | null;
  },
): Action[] {
  if (!user || user.disabled || !t.state) return [];
  const has = (r: string) => user.roles.includes(r as User['roles'][number]);
  const editor = has('editor') || has('admin');
  const s = t.state;
  const ok = (act: Action): boolean => {
    switch (act) {
      case 'submit':
        return editor && (s === 'draft' || s === 'changes_requested' || s === 'published');
      case 'withdraw':
        return editor && s === 'in_review';
      case 'approve':
      case 'request_changes':
        return has('reviewer') && !!user.credentials.trim() && s === 'in_review' && !topicWordsOf(user, t);
      case 'publish':
        return editor && s === 'approved' && !!t.approval && t.approval.content_hash === t.content_hash;
      case 'unpublish':
        return editor && !!t.live;
      case 'archive':
        return editor && s !== 'archived' && !t.live;
      case 'reopen':
        return editor && s === 'archived';
      default:
        return false;
    }
  };
  return order.filter(ok);
}

/**
 * topicWordsOf says whether the topic's words under review are user's own:
 * they wrote the topic or saved the revision under review.
 */
export function topicWordsOf(user: User | null, t: { author?: { id: string } | null; saved_by?: { id: string } | null }): boolean {
  if (!user || user.id === '') return false;
  return t.author?.id === user.id || t.saved_by?.id === user.id;
}
