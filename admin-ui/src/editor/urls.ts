// The URL rules of the server's article sanitizer (cms/sanitize.go), so the
// editor never holds a link or image the server would strip.

const idGrammar = '(?:ref|fn|fig|tbl|sec)-[a-zA-Z0-9_-]{1,64}';
const webURL = /^[hH][tT][tT][pP][sS]?:\/\/\S+$/;
const href = new RegExp(`^(?:[hH][tT][tT][pP][sS]?://\\S+|[mM][aA][iI][lL][tT][oO]:\\S+|#${idGrammar})$`);

/** isWebURL: an absolute http(s) URL without whitespace (img src, and the
 * links the server marks rel="nofollow noopener" target="_blank"). */
export function isWebURL(s: string): boolean {
  return webURL.test(s) && parseable(s);
}

/** allowedHref: what a link may point at: http(s), mailto: or #ref-1 style
 * fragments. */
export function allowedHref(s: string): boolean {
  if (!href.test(s)) return false;
  return s.startsWith('#') || parseable(s);
}

function parseable(s: string): boolean {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

/** normalizeURL writes a web URL the way the server's sanitizer (Go's
 * url.URL.String) stores it: lower-case scheme, non-ASCII characters of the
 * path and fragment percent-encoded, the query as written. Without this a
 * link to https://example.org/ä would come back "changed" after every save. */
export function normalizeURL(s: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(s);
  if (!m) return s;
  const enc = (part: string) => part.replace(/[^\x00-\x7F]/gu, (c) => encodeURIComponent(c));
  return `${m[1].toLowerCase()}://${m[2]}${enc(m[3])}${m[4] ?? ''}${enc(m[5] ?? '')}`;
}
