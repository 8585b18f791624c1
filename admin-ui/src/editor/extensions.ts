// The body editor's schema: exactly what the server's article sanitizer
// (cms/sanitize.go) keeps, rendered the way it writes it back, so a body the
// editor produces is stored byte for byte and its content hash does not
// change under the writer's hands. Anything the sanitizer would drop has no
// place in this schema, so it never reaches the editor (pasting included).
import { Mark, Node, mergeAttributes, type AnyExtension } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { Table, TableCell, TableHeader, TableRow, TableView } from '@tiptap/extension-table';
import type { Node as PMNode } from '@tiptap/pm/model';
import type { EditorView } from '@tiptap/pm/view';
import Superscript from '@tiptap/extension-superscript';
import Subscript from '@tiptap/extension-subscript';
import Heading from '@tiptap/extension-heading';
import CodeBlock from '@tiptap/extension-code-block';
import OfficePaste from '@intevation/tiptap-extension-office-paste';
import { allowedHref, isWebURL, normalizeURL } from './urls';

/** Link: http(s), mailto: or a fragment to a prefixed id, as the sanitizer
 * allows; rel and target exactly as the sanitizer sets them (it replaces
 * whatever a client sends), in the order it writes them. */
export const Link = Mark.create({
  name: 'link',
  inclusive: false,
  addAttributes() {
    // TipTap reads each attribute again after the rule's getAttrs, so the
    // normalizing happens here too.
    return {
      href: {
        default: null,
        parseHTML: (el) => normalizeURL(el.getAttribute('href')?.trim() ?? ''),
      },
    };
  },
  parseHTML() {
    return [
      {
        tag: 'a[href]',
        getAttrs: (el) => {
          const href = (el as HTMLElement).getAttribute('href')?.trim() ?? '';
          return allowedHref(href) ? { href: normalizeURL(href) } : false;
        },
      },
    ];
  },
  renderHTML({ mark }) {
    const href = String(mark.attrs.href ?? '');
    return isWebURL(href)
      ? ['a', { href, rel: 'nofollow noopener', target: '_blank' }, 0]
      : ['a', { href }, 0];
  },
});

/** Abbreviation with its expansion: <abbr title="…">. */
export const Abbr = Mark.create({
  name: 'abbr',
  addAttributes() {
    return {
      title: {
        default: null,
        parseHTML: (el) => el.getAttribute('title'),
        renderHTML: (attrs) => (attrs.title ? { title: attrs.title } : {}),
      },
    };
  },
  parseHTML() {
    return [{ tag: 'abbr' }];
  },
  renderHTML({ HTMLAttributes }) {
    return ['abbr', HTMLAttributes, 0];
  },
});

/** A figure: one image with alt text and a caption the writer edits in
 * place. Written as <figure><img src alt><figcaption>…</figcaption></figure>. */
export const Figure = Node.create({
  name: 'figure',
  group: 'block',
  content: 'inline*',
  marks: 'bold italic link abbr superscript subscript',
  draggable: true,
  isolating: true,
  addAttributes() {
    const img = (el: HTMLElement) => (el.tagName === 'IMG' ? el : el.querySelector('img'));
    return {
      src: { default: null, rendered: false, parseHTML: (el) => normalizeURL(img(el)?.getAttribute('src') ?? '') },
      alt: { default: '', rendered: false, parseHTML: (el) => img(el)?.getAttribute('alt') ?? '' },
    };
  },
  parseHTML() {
    return [
      {
        tag: 'figure',
        getAttrs: (el) => {
          const img = (el as HTMLElement).querySelector('img');
          const src = img?.getAttribute('src') ?? '';
          if (!isWebURL(src)) return false;
          return { src: normalizeURL(src), alt: img?.getAttribute('alt') ?? '' };
        },
        contentElement: (el) => (el as HTMLElement).querySelector('figcaption') ?? document.createElement('figcaption'),
      },
      {
        // A bare image becomes a figure with an empty caption, so every
        // image in a body gets a place for its caption.
        tag: 'img[src]',
        getAttrs: (el) => {
          const src = (el as HTMLElement).getAttribute('src') ?? '';
          if (!isWebURL(src)) return false;
          return { src: normalizeURL(src), alt: (el as HTMLElement).getAttribute('alt') ?? '' };
        },
      },
    ];
  },
  renderHTML({ node }) {
    return ['figure', ['img', { src: node.attrs.src, alt: node.attrs.alt ?? '' }], ['figcaption', 0]];
  },
});

// Table cells without widths or alignment styles: the sanitizer drops
// style and data-colwidth, and colspan/rowspan of 1 are left out as noise.
function cellAttributes() {
  return {
    colspan: {
      default: 1,
      parseHTML: (el: HTMLElement) => spanValue(el.getAttribute('colspan')),
      renderHTML: (a: Record<string, unknown>) => (Number(a.colspan) > 1 ? { colspan: String(a.colspan) } : {}),
    },
    rowspan: {
      default: 1,
      parseHTML: (el: HTMLElement) => spanValue(el.getAttribute('rowspan')),
      renderHTML: (a: Record<string, unknown>) => (Number(a.rowspan) > 1 ? { rowspan: String(a.rowspan) } : {}),
    },
    colwidth: { default: null, parseHTML: () => null, renderHTML: () => ({}) },
  };
}

function spanValue(v: string | null): number {
  const n = parseInt(v ?? '', 10);
  return Number.isFinite(n) && n >= 1 && n <= 999 ? n : 1;
}

const PlainCell = TableCell.extend({ addAttributes: cellAttributes });
const PlainHeader = TableHeader.extend({ addAttributes: cellAttributes });
/** The table's view in the editor shows its caption above the cells (the
 * caption is a plain-text attribute, edited from the toolbar). */
class CaptionedTableView extends TableView {
  captionEl: HTMLTableCaptionElement;
  constructor(node: PMNode, cellMinWidth: number, view?: EditorView, attrs: Record<string, unknown> = {}) {
    super(node, cellMinWidth, view, attrs);
    this.captionEl = document.createElement('caption');
    this.captionEl.contentEditable = 'false';
    this.table.insertBefore(this.captionEl, this.table.firstChild);
    this.showCaption(node);
  }
  update(node: PMNode): boolean {
    if (!super.update(node)) return false;
    this.showCaption(node);
    return true;
  }
  showCaption(node: PMNode) {
    const c = String(node.attrs.caption ?? '');
    this.captionEl.textContent = c;
    this.captionEl.hidden = !c;
  }
}

// Tables are written <table>[<caption>…</caption>]<tbody>…</tbody></table>;
// serializeBody then moves a first row of header cells into <thead> and
// gives header cells their scope. No widths, no styles, no colgroup.
const PlainTable = Table.extend({
  addAttributes() {
    return {
      caption: {
        default: '',
        parseHTML: (el: HTMLElement) => el.querySelector(':scope > caption')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
        rendered: false,
      },
    };
  },
  parseHTML() {
    // The caption's text is the attribute above, not a row of the table.
    return [{ tag: 'table' }, { tag: 'caption', ignore: true }];
  },
  renderHTML({ node }) {
    return node.attrs.caption ? ['table', ['caption', String(node.attrs.caption)], ['tbody', 0]] : ['table', ['tbody', 0]];
  },
}).configure({ resizable: false, View: CaptionedTableView });

/** Headings h2–h4 only: the page's h1 is the article title. A pasted h1
 * becomes h2, h5/h6 become h4, so a Word or Docs outline survives. */
function headingRules() {
  return [
    { tag: 'h1', attrs: { level: 2 } },
    { tag: 'h2', attrs: { level: 2 } },
    { tag: 'h3', attrs: { level: 3 } },
    { tag: 'h4', attrs: { level: 4 } },
    { tag: 'h5', attrs: { level: 4 } },
    { tag: 'h6', attrs: { level: 4 } },
  ];
}

const PlainHeading = Heading.extend({ parseHTML: headingRules }).configure({ levels: [2, 3, 4] });

// A pasted <pre><code class="language-js"> keeps its text, not the class
// the sanitizer would drop.
const PlainCodeBlock = CodeBlock.extend({
  addAttributes() {
    return {};
  },
});

/** Everything the body editor is made of. */
export function bodyExtensions(): AnyExtension[] {
  return [
    StarterKit.configure({
      link: false,
      // Underline reads like a link on the web, and Google Docs marks every
      // link with text-decoration:underline, which would paste as <u>.
      underline: false,
      heading: false,
      codeBlock: false,
      trailingNode: false,
    }),
    PlainHeading,
    PlainCodeBlock,
    // Marks of equal priority nest in this order, outermost first: a
    // citation is written <sup><a href="#ref-1">1</a></sup>.
    Superscript,
    Subscript,
    Abbr,
    Link,
    Figure,
    PlainTable,
    TableRow,
    PlainHeader,
    PlainCell,
    OfficePaste,
  ];
}
