import { describe, expect, it } from 'vitest';
import { bodyRows, wordDiff } from './wordDiff';

describe('wordDiff', () => {
  it('marks the changed words only', () => {
    expect(wordDiff('take 2 mg daily', 'take 4 mg daily')).toEqual([
      { op: 'equal', text: 'take ' },
      { op: 'delete', text: '2' },
      { op: 'insert', text: '4' },
      { op: 'equal', text: ' mg daily' },
    ]);
  });
  it('joins neighbouring changed words into one deletion and one insertion', () => {
    expect(wordDiff('a b c d', 'a x y d')).toEqual([
      { op: 'equal', text: 'a ' },
      { op: 'delete', text: 'b c' },
      { op: 'insert', text: 'x y' },
      { op: 'equal', text: ' d' },
    ]);
  });
  it('handles empty sides', () => {
    expect(wordDiff('', 'new')).toEqual([{ op: 'insert', text: 'new' }]);
    expect(wordDiff('old', '')).toEqual([{ op: 'delete', text: 'old' }]);
    expect(wordDiff('', '')).toEqual([]);
  });
});

describe('bodyRows', () => {
  it('pairs a deleted and an inserted block of the same tag', () => {
    const rows = bodyRows([
      { op: 'equal', tag: 'h2', text: 'Dose' },
      { op: 'delete', tag: 'p', text: 'take 2 mg' },
      { op: 'insert', tag: 'p', text: 'take 4 mg' },
      { op: 'insert', tag: 'p', text: 'new paragraph' },
    ]);
    expect(rows.map((r) => r.op)).toEqual(['equal', 'change', 'insert']);
    expect(rows[1].segments).toContainEqual({ op: 'insert', text: '4' });
  });
});
