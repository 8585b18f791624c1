// Unsaved text kept in the browser, so a reload or a crashed tab loses
// nothing: written on every change, keyed by article id (or "new"), cleared
// after a successful save. localStorage is synchronous, so the last keystroke
// before a crash is there too.

/** What is kept: the form as the writer left it, and the version it was
 * based on (to tell whether the server moved on meanwhile). */
export interface LocalDraft {
  title: string;
  slug: string;
  summary: string;
  body_html: string;
  topics: string[];
  references: { title: string; url: string; doi: string; pmid: string }[];
  base_version: number | null;
  base_revision: number | null;
  saved_at: string;
}

const prefix = 'healthcms.unsaved.';

function key(id: string | null): string {
  return prefix + (id ?? 'new');
}

/** loadLocalDraft answers the unsaved text of an article, if any. */
export function loadLocalDraft(id: string | null): LocalDraft | null {
  try {
    const raw = localStorage.getItem(key(id));
    if (!raw) return null;
    const d = JSON.parse(raw) as LocalDraft;
    return d && typeof d.title === 'string' && typeof d.body_html === 'string' ? d : null;
  } catch {
    return null;
  }
}

/** saveLocalDraft keeps the unsaved text; false if storage refused it. */
export function saveLocalDraft(id: string | null, d: LocalDraft): boolean {
  try {
    localStorage.setItem(key(id), JSON.stringify(d));
    return true;
  } catch {
    return false;
  }
}

/** clearLocalDraft forgets the unsaved text once it is saved or discarded. */
export function clearLocalDraft(id: string | null): void {
  try {
    localStorage.removeItem(key(id));
  } catch {
    // Nothing to do: storage is unavailable, so nothing was kept either.
  }
}
