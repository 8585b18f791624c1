// Finds a comment's quote in the body's DOM as a Range, so "Show in text"
// can select and scroll to the words a comment is about. Whitespace is
// folded as locateQuote folds it; text of two blocks is joined by a space.

const blockTags = new Set(['P', 'LI', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'TD', 'TH', 'CAPTION', 'FIGCAPTION', 'PRE']);

function blockOf(n: Node, root: Node): Node | null {
  for (let p = n.parentNode; p && p !== root; p = p.parentNode) if (blockTags.has((p as Element).tagName)) return p;
  return null;
}

/** findPassage answers a Range over quote's words inside root, or null. */
export function findPassage(root: HTMLElement, quote: string): Range | null {
  const q = quote.replace(/\s+/g, ' ').trim();
  if (!q) return null;
  let flat = '';
  const map: { node: Text; offset: number }[] = [];
  let lastBlock: Node | null = null;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
    const block = blockOf(n, root);
    if (flat && block !== lastBlock && !flat.endsWith(' ')) {
      const prev = map[map.length - 1];
      flat += ' ';
      map.push({ node: prev.node, offset: prev.offset + 1 });
    }
    lastBlock = block;
    for (let i = 0; i < n.data.length; i++) {
      const c = n.data[i];
      if (/\s/.test(c)) {
        if (!flat || flat.endsWith(' ')) continue;
        flat += ' ';
      } else flat += c;
      map.push({ node: n, offset: i });
    }
  }
  const at = flat.indexOf(q);
  if (at < 0) return null;
  const start = map[at];
  const end = map[at + q.length - 1];
  const range = document.createRange();
  range.setStart(start.node, start.offset);
  range.setEnd(end.node, Math.min(end.offset + 1, end.node.data.length));
  return range;
}
