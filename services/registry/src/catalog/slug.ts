/** A slug derived from a name: its last segment, lowercased, other characters turned into "-". */
export function slugOf(name: string): string {
  const last = name.split('/').pop() ?? name;
  const slug = last
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return slug || 'server';
}
