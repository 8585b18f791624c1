// The signed-in user and what their roles let them do. The session is
// restored on load from the stored refresh token (GET /auth/me), and
// follows the client: a sign-in, a refresh or a sign-out updates it.

import { api, ApiError, describeError } from './api';
import type { Role, User } from './types';

class SessionState {
  /** The signed-in user; null before sign-in or after sign-out. */
  user = $state<User | null>(null);
  /** true until the stored session has been checked on start. */
  loading = $state(true);
  /** Why the stored session could not be checked (server unreachable). */
  startError = $state('');
  /** true while the sign-in dialog is asked for (session expired). */
  signInOpen = $state(false);

  private pending: { resolve: () => void; reject: (e: unknown) => void } | null = null;

  has(role: Role): boolean {
    return !!this.user && this.user.roles.includes(role);
  }
  /** May create articles (writers, editors, admins). */
  get canWrite(): boolean {
    return this.has('writer') || this.has('editor') || this.has('admin');
  }
  /** May publish and manage topics (editors, admins). */
  get canEdit(): boolean {
    return this.has('editor') || this.has('admin');
  }
  get isAdmin(): boolean {
    return this.has('admin');
  }
  get isReviewer(): boolean {
    return this.has('reviewer');
  }

  /** The sign-in dialog calls this when the user signed in again. */
  signedIn(): void {
    this.signInOpen = false;
    const p = this.pending;
    this.pending = null;
    p?.resolve();
  }

  /** The sign-in dialog calls this when the user closed it. */
  signInCancelled(): void {
    this.signInOpen = false;
    const p = this.pending;
    this.pending = null;
    p?.reject(new Error('Your session has expired; sign in to continue.'));
  }

  askSignIn(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.signInOpen = true;
    });
  }
}

export const session = new SessionState();

/** sameUser: a refresh that names the same user keeps the object, so
 * screens deriving from session.user do not re-run on every refresh. */
function sameUser(a: User | null, b: User | null): boolean {
  return !!a && !!b && JSON.stringify(a) === JSON.stringify(b);
}

api.subscribe((s, reason) => {
  if (s && !sameUser(session.user, s.user)) session.user = s.user;
  else if (reason === 'logout') session.user = null;
  // 'expired' keeps the user shown: the sign-in dialog brings them back.
});

api.onSignInNeeded(() => {
  // Not signed in at all (no screen to keep): the app shows the sign-in
  // screen instead of a dialog.
  if (!session.user) return Promise.reject(new Error('not signed in'));
  return session.askSignIn();
});

/** restore checks the stored session once on start. */
export async function restoreSession(): Promise<void> {
  session.loading = true;
  session.startError = '';
  try {
    if (api.hasSession()) {
      const res = await api.get<User>('/api/v1/auth/me');
      if (!sameUser(session.user, res.data)) session.user = res.data;
    }
  } catch (e) {
    session.user = null;
    // A session that may still be good is kept when the server is down.
    if (e instanceof ApiError && (e.status === 0 || e.status >= 500)) session.startError = describeError(e);
  } finally {
    session.loading = false;
  }
}

// Signing in in another tab (the tokens are shared through localStorage)
// also answers this tab's sign-in dialog.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key === 'healthcms.session' && e.newValue && session.signInOpen) session.signedIn();
  });
}
