/**
 * slugify makes a slug (^[a-z0-9]+(-[a-z0-9]+)*$, at most max characters)
 * from a name: accents folded, anything else becomes a hyphen.
 */
export function slugify(name: string, max = 120): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.slice(0, max).replace(/-+$/g, '');
}
