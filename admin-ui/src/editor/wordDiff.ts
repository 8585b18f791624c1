// Word-by-word differences for the Changes and conflict views. The API
// diffs the body block by block and gives title and summary whole; this
// finds the words that changed inside them, so a reviewer sees "2 mg" become
// "4 mg" rather than a whole paragraph swapped.

/** One run of a diff: text kept, inserted or deleted. */
export interface Segment {
  op: 'equal' | 'insert' | 'delete';
  text: string;
  /** The API's flag: a deleted or inserted run holding a number. */
  number?: boolean;
}

/**
 * isNumberChange says whether a segment deletes or inserts a number (a
 * dose, a percentage, a duration), which the screen labels in words. The
 * API's `number` flag decides when given; else a digit in the run does.
 */
export function isNumberChange(s: Segment): boolean {
  if (s.op === 'equal') return false;
  return s.number ?? /\d/.test(s.text);
}

/** numberChanges counts the changed runs of segs that hold numbers, a
 * deletion followed by an insertion (2 → 4) counting once. */
export function numberChanges(segs: Segment[]): number {
  let n = 0;
  for (let i = 0; i < segs.length; i++) {
    if (!isNumberChange(segs[i])) continue;
    n++;
    if (segs[i].op === 'delete' && segs[i + 1] && segs[i + 1].op === 'insert' && isNumberChange(segs[i + 1])) i++;
  }
  return n;
}

// Past this many token pairs the LCS table would be too large to build in
// a browser tab; the texts are then shown as replaced whole.
const maxCells = 400_000;

function tokens(s: string): string[] {
  return s.match(/\s+|[^\s]+/g) ?? [];
}

/** wordDiff compares two texts word by word (whitespace kept as written). */
export function wordDiff(a: string, b: string): Segment[] {
  if (a === b) return a ? [{ op: 'equal', text: a }] : [];
  const x = tokens(a);
  const y = tokens(b);
  if (x.length * y.length > maxCells) {
    return merge([
      { op: 'delete', text: a },
      { op: 'insert', text: b },
    ]);
  }
  // lcs[i][j]: length of the longest common subsequence of x[i:] and y[j:].
  const w = y.length + 1;
  const lcs = new Uint32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i * w + j] = x[i] === y[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const out: Segment[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      out.push({ op: 'equal', text: x[i] });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
      out.push({ op: 'delete', text: x[i++] });
    } else {
      out.push({ op: 'insert', text: y[j++] });
    }
  }
  while (i < x.length) out.push({ op: 'delete', text: x[i++] });
  while (j < y.length) out.push({ op: 'insert', text: y[j++] });
  return merge(out);
}

// merge joins neighbouring runs of the same kind, and folds the spaces
// kept between two changes into them, so "a b" → "c d" reads as one
// deletion and one insertion rather than four flickering pieces.
function merge(segs: Segment[]): Segment[] {
  const out: Segment[] = [];
  let k = 0;
  while (k < segs.length) {
    if (segs[k].op === 'equal') {
      push(out, segs[k++]);
      continue;
    }
    let del = '';
    let ins = '';
    while (k < segs.length) {
      const s = segs[k];
      if (s.op === 'delete') del += s.text;
      else if (s.op === 'insert') ins += s.text;
      else if (/^\s+$/.test(s.text) && k + 1 < segs.length && segs[k + 1].op !== 'equal') {
        del += s.text;
        ins += s.text;
      } else break;
      k++;
    }
    if (del) push(out, { op: 'delete', text: del });
    if (ins) push(out, { op: 'insert', text: ins });
  }
  return out;
}

function push(out: Segment[], s: Segment) {
  if (!s.text) return;
  const prev = out[out.length - 1];
  if (prev && prev.op === s.op) prev.text += s.text;
  else out.push({ ...s });
}

/** A body block as the API's diff gives it. */
export interface BlockEdit {
  op: 'equal' | 'insert' | 'delete';
  tag: string;
  text: string;
  /** The API's word diff of a changed block: the same on the deletion and
   * the insertion that follows it. */
  words?: Segment[];
}

/** One row of a body diff: a kept block, a changed one with its word
 * diff, or a block added or removed whole. */
export interface BodyRow {
  op: 'equal' | 'insert' | 'delete' | 'change';
  tag: string;
  segments: Segment[];
}

/** bodyRows pairs each run of deleted blocks with the inserted blocks that
 * follow it (same tag, in order) and diffs each pair word by word. */
export function bodyRows(edits: BlockEdit[]): BodyRow[] {
  const rows: BodyRow[] = [];
  let k = 0;
  while (k < edits.length) {
    const e = edits[k];
    if (e.op === 'equal') {
      rows.push({ op: 'equal', tag: e.tag, segments: [{ op: 'equal', text: e.text }] });
      k++;
      continue;
    }
    const dels: BlockEdit[] = [];
    const ins: BlockEdit[] = [];
    while (k < edits.length && edits[k].op !== 'equal') {
      (edits[k].op === 'delete' ? dels : ins).push(edits[k]);
      k++;
    }
    const n = Math.max(dels.length, ins.length);
    for (let i = 0; i < n; i++) {
      const d = dels[i];
      const a = ins[i];
      if (d && a && d.tag === a.tag) {
        const words = a.words ?? d.words;
        rows.push({ op: 'change', tag: a.tag, segments: words ? words.map((w) => ({ ...w })) : wordDiff(d.text, a.text) });
      }
      else {
        if (d) rows.push({ op: 'delete', tag: d.tag, segments: [{ op: 'delete', text: d.text }] });
        if (a) rows.push({ op: 'insert', tag: a.tag, segments: [{ op: 'insert', text: a.text }] });
      }
    }
  }
  return rows;
}

/** The answer of GET /articles/{id}/diff. */
export interface ApiDiff {
  from: number;
  to: number;
  /** Words changed in title, summary and body (the review API adds it). */
  words_changed?: number;
  changes: {
    field: string;
    from?: unknown;
    to?: unknown;
    blocks?: BlockEdit[];
    /** Title and summary, word by word (the review API adds it). */
    words?: Segment[];
    added?: unknown[];
    removed?: unknown[];
  }[];
}
