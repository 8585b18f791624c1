import { describe, expect, it } from 'vitest';
import { lastDecision } from './decisions';

describe('lastDecision', () => {
  const history = [
    { action: 'submitted', revision: 1, actor: { id: 'w' } },
    { action: 'changes_requested', revision: 1, actor: { id: 'r' } },
    { action: 'saved', revision: 2, actor: { id: 'w' } },
    { action: 'approved', revision: 2, actor: { id: 'r2' } },
    { action: 'commented', revision: 2, actor: { id: 'r' } },
  ];
  it("answers the user's latest approve or request_changes", () => {
    expect(lastDecision(history, 'r')).toEqual({ revision: 1, action: 'changes_requested', at: undefined });
    expect(lastDecision(history, 'r2')?.revision).toBe(2);
  });
  it('answers null for someone who never decided', () => {
    expect(lastDecision(history, 'w')).toBeNull();
    expect(lastDecision(history, undefined)).toBeNull();
  });
});
