import { describe, expect, it } from 'vitest';
import { bodyRows, isNumberChange, numberChanges, wordDiff } from './wordDiff';

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

describe('numbers that changed', () => {
  it('uses the API word diff of a changed block and its number flags', () => {
    const words = [
      { op: 'equal' as const, text: 'The dose is ' },
      { op: 'delete' as const, text: '2', number: true },
      { op: 'insert' as const, text: '4', number: true },
      { op: 'equal' as const, text: ' mg.' },
    ];
    const rows = bodyRows([
      { op: 'delete', tag: 'p', text: 'The dose is 2 mg.', words },
      { op: 'insert', tag: 'p', text: 'The dose is 4 mg.', words },
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].op).toBe('change');
    expect(rows[0].segments).toEqual(words);
    expect(numberChanges(rows[0].segments)).toBe(1);
  });
  it('finds numbers in its own diff when the API gives no flags', () => {
    const segs = wordDiff('for 2 weeks, 10% of people', 'for 3 weeks, 12% of adults');
    expect(segs.filter(isNumberChange).map((s) => s.text)).toEqual(['2', '3', '10%', '12%']);
    expect(numberChanges(segs)).toBe(2);
  });
  it('trusts an explicit flag over the digits', () => {
    expect(isNumberChange({ op: 'insert', text: 'COVID-19', number: false })).toBe(false);
    expect(isNumberChange({ op: 'equal', text: '4' })).toBe(false);
    expect(isNumberChange({ op: 'insert', text: 'four' })).toBe(false);
  });
});
