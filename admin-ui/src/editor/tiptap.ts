// The TipTap side of the body editor, loaded with import() by
// BodyEditor.svelte so that screens without an editor never download it.
import { Editor } from '@tiptap/core';
import { DOMSerializer } from '@tiptap/pm/model';
import { bodyExtensions } from './extensions';
import { serializeNodes } from './serialize';
import { allowedHref, normalizeURL } from './urls';
import { cleanPastedHTML } from './paste';

export { Editor };

/** Options of createBodyEditor. */
export interface BodyEditorOptions {
  element: HTMLElement;
  html: string;
  labelledBy?: string;
  label?: string;
  describedBy?: string;
  editable?: boolean;
  onChange: (html: string) => void;
  onState: () => void;
}

/** createBodyEditor mounts TipTap in element with the article schema. */
export function createBodyEditor(o: BodyEditorOptions): Editor {
  const attrs: Record<string, string> = {
    role: 'textbox',
    'aria-multiline': 'true',
    class: 'body-editable',
    spellcheck: 'true',
  };
  if (o.labelledBy) attrs['aria-labelledby'] = o.labelledBy;
  else attrs['aria-label'] = o.label ?? 'Body';
  if (o.describedBy) attrs['aria-describedby'] = o.describedBy;
  const editor = new Editor({
    element: o.element,
    extensions: bodyExtensions(),
    content: o.html || '',
    editorProps: { attributes: attrs, transformPastedHTML: cleanPastedHTML },
    // The CSS lives in BodyEditor.svelte: no <style> element injected at run time.
    injectCSS: false,
    editable: o.editable ?? true,
    onUpdate: ({ editor }) => o.onChange(bodyHTML(editor)),
    onSelectionUpdate: () => o.onState(),
    onTransaction: () => o.onState(),
  });
  return editor;
}

/** bodyHTML is the editor's document as the server's sanitizer writes it;
 * an empty document is the empty string, not "<p></p>". */
export function bodyHTML(editor: Editor): string {
  if (editor.isEmpty) return '';
  const fragment = DOMSerializer.fromSchema(editor.schema).serializeFragment(editor.state.doc.content, {
    document,
  });
  const div = document.createElement('div');
  div.appendChild(fragment);
  for (const table of Array.from(div.querySelectorAll('table'))) headerScopes(table);
  return serializeNodes(div);
}

// headerScopes moves a first row made only of header cells into <thead>
// and says what each header cell heads (scope), so screen readers announce
// a table's headers; the sanitizer keeps both.
function headerScopes(table: HTMLTableElement): void {
  const tbody = table.querySelector(':scope > tbody');
  const first = tbody?.querySelector(':scope > tr');
  if (tbody && first && first.children.length && Array.from(first.children).every((c) => c.tagName === 'TH')) {
    const thead = document.createElement('thead');
    table.insertBefore(thead, tbody);
    thead.appendChild(first);
    for (const th of Array.from(first.children)) th.setAttribute('scope', 'col');
  }
  for (const row of Array.from(tbody?.querySelectorAll(':scope > tr') ?? [])) {
    for (const th of Array.from(row.children)) if (th.tagName === 'TH') th.setAttribute('scope', 'row');
  }
}

/** setBody replaces the document without adding an undo step the writer
 * did not make (used to load the server's normalized version). */
export function setBody(editor: Editor, html: string): void {
  editor.commands.setContent(html || '', { emitUpdate: false });
}

/** applyLink sets, changes or (with an empty URL) removes the link on the
 * selection; false when the URL is not one the server keeps. */
export function applyLink(editor: Editor, url: string): boolean {
  const href = normalizeURL(url.trim());
  const chain = editor.chain().focus().extendMarkRange('link');
  if (href === '') {
    chain.unsetMark('link').run();
    return true;
  }
  if (!allowedHref(href)) return false;
  if (editor.state.selection.empty && !editor.isActive('link')) {
    chain.insertContent({ type: 'text', text: href, marks: [{ type: 'link', attrs: { href } }] }).run();
  } else {
    chain.setMark('link', { href }).run();
  }
  return true;
}

/** insertTable adds a 3×3 table with a header row. */
export function insertTable(editor: Editor): void {
  editor.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run();
}

/** insertFigure adds an image with alt text and an empty caption. */
export function insertFigure(editor: Editor, src: string, alt: string): void {
  editor.chain().focus().insertContent({ type: 'figure', attrs: { src: normalizeURL(src), alt } }).run();
}

/** applyAbbr marks the selection as an abbreviation written out as title,
 * or (empty title) removes the mark; false with nothing selected. */
export function applyAbbr(editor: Editor, title: string): boolean {
  const t = title.trim();
  const chain = editor.chain().focus().extendMarkRange('abbr');
  if (!t) {
    chain.unsetMark('abbr').run();
    return true;
  }
  if (editor.state.selection.empty && !editor.isActive('abbr')) return false;
  chain.setMark('abbr', { title: t }).run();
  return true;
}

/** setTableCaption sets (or, empty, removes) the caption of the table the
 * selection is in; false outside a table. */
export function setTableCaption(editor: Editor, caption: string): boolean {
  const { $from } = editor.state.selection;
  for (let d = $from.depth; d > 0; d--) {
    const node = $from.node(d);
    if (node.type.name === 'table') {
      const tr = editor.state.tr.setNodeMarkup($from.before(d), undefined, { ...node.attrs, caption: caption.replace(/\s+/g, ' ').trim() });
      editor.view.dispatch(tr);
      editor.commands.focus();
      return true;
    }
  }
  return false;
}

/** tableCaption answers the caption of the table the selection is in. */
export function tableCaption(editor: Editor): string {
  const { $from } = editor.state.selection;
  for (let d = $from.depth; d > 0; d--) {
    const node = $from.node(d);
    if (node.type.name === 'table') return String(node.attrs.caption ?? '');
  }
  return '';
}
