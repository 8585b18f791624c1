import { describe, expect, it } from 'vitest';
import { foldSpace, locateQuote, mayResolve, maxQuote, placeComments, quoteOf, type ReviewComment } from './quote';

function comment(id: string, quote: string, at = '2026-12-01T10:00:00Z'): ReviewComment {
  return {
    id,
    revision: 2,
    quote,
    body: 'b',
    author: { id: 'rita', name: 'Rita' },
    at,
    resolved_at: null,
    resolved_by: null,
  };
}

describe('locateQuote', () => {
  const text = 'Take it with water.\nThe dose is 2 mg   once daily.';
  it('finds a quote whatever its whitespace', () => {
    expect(locateQuote(text, 'The dose is 2 mg once daily.')).toBe(foldSpace(text).indexOf('The dose'));
    expect(locateQuote(text, 'water.\n\nThe dose')).toBeGreaterThan(0);
  });
  it('answers -1 when the words changed', () => {
    expect(locateQuote(text.replace('2 mg', '4 mg'), 'The dose is 2 mg once daily.')).toBe(-1);
  });
  it('answers -1 for an empty quote', () => {
    expect(locateQuote(text, '  ')).toBe(-1);
  });
});

describe('quoteOf', () => {
  it('folds whitespace', () => {
    expect(quoteOf(' a\n\n b ')).toBe('a b');
  });
  it('cuts long selections under the limit', () => {
    const q = quoteOf('word '.repeat(1000));
    expect(q.length).toBeLessThanOrEqual(maxQuote);
    expect(q.endsWith('…')).toBe(true);
  });
});

describe('placeComments', () => {
  it('orders by place in the text, then whole-article comments, then moved ones', () => {
    const text = 'Alpha beta. Gamma delta.';
    const out = placeComments(text, [
      comment('gone', 'epsilon', '2026-12-01T09:00:00Z'),
      comment('second', 'Gamma'),
      comment('whole', ''),
      comment('first', 'Alpha'),
    ]);
    expect(out.map((p) => p.comment.id)).toEqual(['first', 'second', 'whole', 'gone']);
    expect(out.map((p) => p.moved)).toEqual([false, false, false, true]);
  });
});

describe('mayResolve', () => {
  const c = comment('c', 'x');
  it('lets the article author, the comment author and editors resolve', () => {
    expect(mayResolve({ id: 'wendy', roles: ['writer'] }, 'wendy', c)).toBe(true);
    expect(mayResolve({ id: 'rita', roles: ['reviewer'] }, 'wendy', c)).toBe(true);
    expect(mayResolve({ id: 'eddie', roles: ['editor'] }, 'wendy', c)).toBe(true);
    expect(mayResolve({ id: 'walter', roles: ['writer'] }, 'wendy', c)).toBe(false);
    expect(mayResolve(null, 'wendy', c)).toBe(false);
  });
  it('never offers to resolve a resolved comment', () => {
    expect(mayResolve({ id: 'eddie', roles: ['editor'] }, 'wendy', { ...c, resolved_at: '2026-12-01T11:00:00Z' })).toBe(false);
  });
});
