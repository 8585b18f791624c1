// A tiny History-API router: the current route as state, navigate() to
// move, and one click handler that turns clicks on /admin/ links into
// navigations without a page load. Deep links work on reload because the
// server answers index.html for every /admin/ path.

import { isAppLink, match, type Route } from './routes';

class RouterState {
  path = $state(typeof location !== 'undefined' ? location.pathname : '/admin/');
  search = $state(typeof location !== 'undefined' ? location.search : '');
  route: Route = $derived(match(this.path));
  /** Guards (unsaved changes) that may refuse a navigation. */
  private guards = new Set<() => boolean>();

  /** navigate goes to an /admin/ path; replace keeps history short. */
  navigate(to: string, opts: { replace?: boolean } = {}): void {
    const u = new URL(to, location.origin);
    if (u.pathname + u.search === this.path + this.search && !opts.replace) return;
    if (!this.allowed()) return;
    if (opts.replace) history.replaceState(null, '', u.pathname + u.search + u.hash);
    else history.pushState(null, '', u.pathname + u.search + u.hash);
    this.sync();
    if (!opts.replace) window.scrollTo(0, 0);
  }

  /**
   * guard registers a check run before leaving the screen (return false to
   * stay); it returns the function that removes it.
   */
  guard(fn: () => boolean): () => void {
    this.guards.add(fn);
    return () => this.guards.delete(fn);
  }

  private allowed(): boolean {
    for (const g of this.guards) if (!g()) return false;
    return true;
  }

  sync(): void {
    this.path = location.pathname;
    this.search = location.search;
  }

  /** start listens to back/forward and link clicks; call once. */
  start(): void {
    window.addEventListener('popstate', () => this.sync());
    document.addEventListener('click', (e) => {
      const a = (e.target as Element | null)?.closest?.('a');
      if (!a) return;
      const u = isAppLink(a, e, location.origin);
      if (!u) return;
      e.preventDefault();
      this.navigate(u.pathname + u.search + u.hash);
    });
  }
}

export const router = new RouterState();
