// The admin UI's routes (UI.md), matched from a location path. Pure, so
// the matching is tested without a browser.

export const BASE = '/admin';

export type Route =
  | { name: 'login' }
  | { name: 'articles' }
  | { name: 'article'; id: string | null }
  | { name: 'reviews' }
  | { name: 'topics' }
  | { name: 'users' }
  | { name: 'keys' }
  | { name: 'home' }
  | { name: 'notfound'; path: string };

/** match finds the route of a location path ("/admin/articles/abc"). */
export function match(pathname: string): Route {
  let p = pathname;
  if (p === BASE || p.startsWith(BASE + '/')) p = p.slice(BASE.length);
  else return { name: 'notfound', path: pathname };
  p = p.replace(/\/+$/, '');
  if (p === '' || p === '/index.html') return { name: 'home' };
  const parts = p.split('/').slice(1);
  switch (parts[0]) {
    case 'login':
      return parts.length === 1 ? { name: 'login' } : notFound(pathname);
    case 'articles':
      if (parts.length === 1) return { name: 'articles' };
      if (parts.length === 2 && parts[1] === 'new') return { name: 'article', id: null };
      if (parts.length === 2 && parts[1] !== '') return { name: 'article', id: safeDecode(parts[1]) };
      return notFound(pathname);
    case 'reviews':
    case 'topics':
    case 'users':
    case 'keys':
      return parts.length === 1 ? ({ name: parts[0] } as Route) : notFound(pathname);
  }
  return notFound(pathname);
}

function notFound(path: string): Route {
  return { name: 'notfound', path };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** href builds an admin path: href('articles', id). */
export function href(...parts: string[]): string {
  return [BASE, ...parts.map(encodeURIComponent)].join('/');
}

/**
 * isAppLink says whether a click on an anchor should be handled by the
 * router rather than the browser: a plain left click on a same-origin link
 * into /admin/ (not /admin/assets), without target or download.
 */
export function isAppLink(
  a: { href: string; target: string; hasAttribute(n: string): boolean },
  e: { button: number; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; altKey: boolean; defaultPrevented: boolean },
  origin: string,
): URL | null {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return null;
  if ((a.target && a.target !== '_self') || a.hasAttribute('download')) return null;
  let u: URL;
  try {
    u = new URL(a.href, origin);
  } catch {
    return null;
  }
  if (u.origin !== origin) return null;
  if (!(u.pathname === BASE || u.pathname.startsWith(BASE + '/'))) return null;
  if (u.pathname.startsWith(BASE + '/assets/')) return null;
  return u;
}
