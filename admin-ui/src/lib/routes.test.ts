import { describe, expect, it } from 'vitest';
import { href, isAppLink, match } from './routes';

describe('match', () => {
  it.each([
    ['/admin', { name: 'home' }],
    ['/admin/', { name: 'home' }],
    ['/admin/login', { name: 'login' }],
    ['/admin/articles', { name: 'articles' }],
    ['/admin/articles/', { name: 'articles' }],
    ['/admin/articles/new', { name: 'article', id: null }],
    ['/admin/articles/01HXYZ', { name: 'article', id: '01HXYZ' }],
    ['/admin/articles/a%20b', { name: 'article', id: 'a b' }],
    ['/admin/reviews', { name: 'reviews' }],
    ['/admin/topics', { name: 'topics' }],
    ['/admin/users', { name: 'users' }],
    ['/admin/keys', { name: 'keys' }],
  ])('%s', (path, want) => {
    expect(match(path)).toEqual(want);
  });

  it.each(['/admin/nope', '/admin/articles/1/2', '/admin/users/x', '/other', '/administrator'])('%s is not found', (p) => {
    expect(match(p).name).toBe('notfound');
  });
});

describe('href', () => {
  it('encodes parts', () => {
    expect(href('articles', 'a/b')).toBe('/admin/articles/a%2Fb');
  });
});

describe('isAppLink', () => {
  const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false };
  const a = (h: string, target = '', download = false) => ({ href: h, target, hasAttribute: (n: string) => n === 'download' && download });
  const o = 'https://cms.example';
  it('takes plain clicks on admin links', () => {
    expect(isAppLink(a('https://cms.example/admin/topics'), click, o)?.pathname).toBe('/admin/topics');
  });
  it('leaves other clicks to the browser', () => {
    expect(isAppLink(a('https://cms.example/admin/topics'), { ...click, ctrlKey: true }, o)).toBeNull();
    expect(isAppLink(a('https://cms.example/admin/topics', '_blank'), click, o)).toBeNull();
    expect(isAppLink(a('https://cms.example/admin/assets/x.js', '', false), click, o)).toBeNull();
    expect(isAppLink(a('https://other.example/admin/topics'), click, o)).toBeNull();
    expect(isAppLink(a('https://cms.example/api/docs'), click, o)).toBeNull();
    expect(isAppLink(a('https://cms.example/admin/x', '', true), click, o)).toBeNull();
  });
});
