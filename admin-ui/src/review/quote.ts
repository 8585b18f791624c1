// Where a review comment's quote sits in the current body. A comment
// quotes the text a reviewer selected in some revision; the writer may
// have changed it since. The quote is looked up in the body's text with
// whitespace folded (a selection across blocks carries line breaks, the
// stored text spaces), so a comment whose words are still there sits
// beside them, and one whose words are gone says which revision it was on.

/** foldSpace collapses every run of whitespace to one space and trims. */
export function foldSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * locateQuote answers the offset of quote in text (both with whitespace
 * folded), or -1 when the words are no longer there. An empty quote (a
 * comment on the whole article) is nowhere: -1.
 */
export function locateQuote(text: string, quote: string): number {
  const q = foldSpace(quote);
  if (!q) return -1;
  return foldSpace(text).indexOf(q);
}

/** The most a comment may quote (the API refuses longer quotes). */
export const maxQuote = 2000;

/**
 * quoteOf turns a selection's text into the quote sent with a comment:
 * whitespace folded, cut at maxQuote characters (on a word when it can).
 */
export function quoteOf(selected: string): string {
  const q = foldSpace(selected);
  if (q.length <= maxQuote) return q;
  const cut = q.slice(0, maxQuote - 1);
  const space = cut.lastIndexOf(' ');
  return (space > maxQuote / 2 ? cut.slice(0, space) : cut) + '…';
}

/** A comment as GET /articles/{id}/comments answers it. */
export interface ReviewComment {
  id: string;
  revision: number;
  quote: string;
  body: string;
  author: { id: string; name: string };
  at: string;
  resolved_at: string | null;
  resolved_by: { id: string; name: string } | null;
}

/** A comment placed against the current body. */
export interface PlacedComment {
  comment: ReviewComment;
  /** Offset of its quote in the body's text; -1 when not found. */
  at: number;
  /** The quote is no longer in the body: show "on revision N". */
  moved: boolean;
}

/**
 * placeComments orders comments the way the text runs: those whose quote
 * is in the body by where it is, then comments on the whole article, then
 * those whose quoted words have changed (by time).
 */
export function placeComments(text: string, comments: ReviewComment[]): PlacedComment[] {
  const placed = comments.map((c) => {
    const at = locateQuote(text, c.quote);
    return { comment: c, at, moved: at < 0 && foldSpace(c.quote) !== '' };
  });
  const rank = (p: PlacedComment) => (p.at >= 0 ? 0 : p.moved ? 2 : 1);
  return placed.sort(
    (a, b) => rank(a) - rank(b) || a.at - b.at || Date.parse(a.comment.at) - Date.parse(b.comment.at),
  );
}

/** Who may resolve a comment (API.md): the article's author, an editor
 * or admin, or the comment's author. */
export function mayResolve(
  user: { id: string; roles: string[] } | null,
  articleAuthorId: string,
  c: ReviewComment,
): boolean {
  if (!user || c.resolved_at) return false;
  if (user.roles.includes('editor') || user.roles.includes('admin')) return true;
  return user.id === articleAuthorId || user.id === c.author.id;
}
