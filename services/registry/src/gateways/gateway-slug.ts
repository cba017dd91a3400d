/** A gateway slug derived from its name: lowercased, other characters turned into "-", at most 63 characters. */
export function gatewaySlugOf(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return slug || 'gateway';
}
