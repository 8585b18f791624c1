// The reading text of a body's HTML, one block a line, so a quote that
// spans two paragraphs is found and words of neighbouring blocks never
// run together. Needs a DOM (the browser).

const blocks = 'p, li, h1, h2, h3, h4, h5, h6, blockquote, td, th, caption, figcaption, pre, dt, dd';

/** bodyText reads html as text, a line break after every block. */
export function bodyText(html: string): string {
  if (!html) return '';
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const b of Array.from(doc.body.querySelectorAll(blocks))) b.append(doc.createTextNode('\n'));
  return doc.body.textContent ?? '';
}
