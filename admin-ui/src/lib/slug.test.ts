import { expect, it } from 'vitest';
import { slugify } from './slug';

it.each([
  ['JAK inhibitors', 'jak-inhibitors'],
  ['  Sjögren’s syndrome ', 'sjogren-s-syndrome'],
  ['Baricitinib (Olumiant)', 'baricitinib-olumiant'],
  ['---', ''],
])('slugify(%s)', (name, want) => {
  expect(slugify(name)).toBe(want);
});

it('cuts at the limit without a trailing hyphen', () => {
  expect(slugify('ab cd', 3)).toBe('ab');
});
