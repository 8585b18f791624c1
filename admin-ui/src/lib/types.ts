// Shapes of the editor API's answers (see API.md). Only what the UI reads.

export type Role = 'writer' | 'reviewer' | 'editor' | 'admin';

export const ROLES: Role[] = ['writer', 'reviewer', 'editor', 'admin'];

export type ArticleState =
  | 'draft'
  | 'in_review'
  | 'changes_requested'
  | 'approved'
  | 'scheduled'
  | 'published'
  | 'archived';

export const ARTICLE_STATES: ArticleState[] = [
  'draft',
  'in_review',
  'changes_requested',
  'approved',
  'scheduled',
  'published',
  'archived',
];

export interface UserRef {
  id: string;
  name: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  credentials: string;
  disabled: boolean;
  created_at: string;
}

export interface Session {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  user: User;
}

export interface Reference {
  title: string;
  url: string;
  doi?: string;
  pmid?: string;
}

export interface Revision {
  revision: number;
  title: string;
  summary: string;
  body_html?: string;
  topics: string[];
  references: Reference[];
  content_hash: string;
  saved_by: UserRef;
  saved_at: string;
}

export interface Approval {
  revision: number;
  content_hash: string;
  reviewer: UserRef & { credentials?: string };
  at: string;
  comment?: string;
}

export interface Live {
  version: number;
  revision: number;
  published_at: string;
  published_by: UserRef;
}

export interface Article {
  id: string;
  slug: string;
  state: ArticleState;
  version: number;
  author: UserRef;
  created_at: string;
  updated_at: string;
  draft: Revision;
  approval: Approval | null;
  approvals?: Approval[];
  live: Live | null;
  scheduled_at: string | null;
  review_due_at: string | null;
  sanitizer?: { changed: boolean; removed: string[] };
  open_comments?: number;
  last_review?: {
    /** approve or request_changes (older servers may say approved or changes_requested). */
    action: string;
    comment: string;
    reviewer: UserRef & { credentials?: string };
    at: string;
    /** The draft revision decided on (the review API adds it). */
    revision?: number;
  } | null;
  // Added by the review API (README "Additions beyond the contract");
  // screens hide what a server does not send.
  required_approvals?: number;
  submitted_at?: string | null;
  words_changed_since_live?: number | null;
}

export interface Topic {
  slug: string;
  name: string;
  description_html: string;
  aliases: string[];
  created_at?: string;
  updated_at?: string;
  // Fields a richer topic API adds (API.md); shown when present.
  kind?: string;
  definition?: string;
  required_approvals?: number;
  state?: string;
  version?: number;
  related?: string[];
  revision?: number;
  content_hash?: string;
  approval?: { content_hash: string; revision?: number; reviewer?: UserRef & { credentials?: string }; at?: string } | null;
  live?: { version: number; published_at?: string } | null;
  /** Who created the topic (its author for the review rules). */
  author?: UserRef | null;
  /** Who saved the draft revision, and when: whose words are under review. */
  saved_by?: UserRef | null;
  saved_at?: string | null;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: 'delivery' | 'preview' | string;
  prefix: string;
  created_at: string;
  created_by: UserRef;
  revoked_at: string | null;
}

export interface HistoryEvent {
  seq: number;
  at: string;
  actor: UserRef;
  action: string;
  revision?: number;
  comment?: string;
  hash?: string;
}

export interface List<T> {
  items: T[];
  next_cursor?: string | null;
}
