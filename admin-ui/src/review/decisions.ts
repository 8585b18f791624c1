// A reviewer's own last decision on an article, read from its history:
// the revision they approved or sent back last, so "changes since you
// last reviewed" can diff from it.

/** The history items this needs (API.md history item). */
export interface DecisionEvent {
  action: string;
  revision?: number;
  actor: { id: string };
  at?: string;
}

/** The actions that are a reviewer's decision, as the history names them. */
const decisions = new Set(['approved', 'changes_requested']);

/**
 * lastDecision answers the revision and action of userId's latest approve
 * or request_changes in history (oldest first), or null if they never
 * decided on this article.
 */
export function lastDecision(
  history: DecisionEvent[],
  userId: string | undefined,
): { revision: number; action: string; at?: string } | null {
  if (!userId) return null;
  for (let i = history.length - 1; i >= 0; i--) {
    const e = history[i];
    if (e.actor?.id === userId && decisions.has(e.action) && e.revision) {
      return { revision: e.revision, action: e.action, at: e.at };
    }
  }
  return null;
}

/** decisionWords says a decision in words ("approved", "requested changes to"). */
export function decisionWords(action: string): string {
  return action === 'approved' || action === 'approve' ? 'approved' : 'requested changes to';
}
