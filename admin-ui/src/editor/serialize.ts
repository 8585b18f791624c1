// Serializes the editor's DOM the way the server's sanitizer writes HTML
// (Go's html.EscapeString via bluemonday): text and attribute values escape
// & ' < > " as &amp; &#39; &lt; &gt; &#34;, and nothing else (a no-break
// space stays a character). A browser's innerHTML would leave ' and " raw in
// text and write &quot; and &nbsp;, so every body with an apostrophe would
// come back "changed" from the server.

const voidElements = new Set(['br', 'hr', 'img', 'col', 'wbr']);

/** escapeLikeGo escapes text as Go's html.EscapeString does. */
export function escapeLikeGo(s: string): string {
  return s.replace(/[&'<>"]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case "'":
        return '&#39;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return '&#34;';
    }
  });
}

/** serializeNodes writes a DOM fragment's children as the sanitizer would. */
export function serializeNodes(parent: Node): string {
  let out = '';
  for (let n = parent.firstChild; n; n = n.nextSibling) out += serializeNode(n);
  return out;
}

function serializeNode(n: Node): string {
  if (n.nodeType === 3) return escapeLikeGo(n.nodeValue ?? '');
  if (n.nodeType !== 1) return '';
  const el = n as Element;
  const tag = el.tagName.toLowerCase();
  let s = '<' + tag;
  for (const a of Array.from(el.attributes)) s += ` ${a.name}="${escapeLikeGo(a.value)}"`;
  s += '>';
  if (voidElements.has(tag)) return s;
  return s + serializeNodes(el) + `</${tag}>`;
}
