// Plain text to simple HTML and back, for fields (like a topic's
// description) that the API stores as sanitized HTML but people type as
// paragraphs.

/** escapeHTML makes text safe inside HTML. */
export function escapeHTML(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** textToHTML turns paragraphs (split by blank lines) into <p> elements. */
export function textToHTML(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${escapeHTML(p).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** htmlToText reads the text of simple HTML, a blank line between blocks. */
export function htmlToText(html: string): string {
  if (!html) return '';
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const blocks = doc.body.querySelectorAll('p, li, h1, h2, h3, h4, h5, h6, blockquote');
  if (blocks.length === 0) return (doc.body.textContent ?? '').trim();
  return Array.from(blocks)
    .map((b) => (b.textContent ?? '').trim())
    .filter(Boolean)
    .join('\n\n');
}

/** splitList reads a comma-separated list, trimmed, without empties or repeats. */
export function splitList(s: string): string[] {
  const out: string[] = [];
  for (const part of s.split(',')) {
    const v = part.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}
