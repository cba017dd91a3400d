const MAX = 32;

const trimmed = (text: string) => text.replace(/^-+|-+$/g, '');

/**
 * Data-path ids of a gateway's servers, in order: the catalog entry's slug (at most 32 characters, no `_`, since tool
 * names are `server__tool`), or, when that is taken in the gateway or too long, a shortened slug plus a piece of the
 * installation id — stable for as long as the assignment exists.
 */
export function dataPathServerIds(servers: readonly { installationId: string; entrySlug: string }[]): string[] {
  const taken = new Set<string>();
  return servers.map(({ installationId, entrySlug }) => {
    const base = trimmed(entrySlug.replace(/_/g, '-')) || 'server';
    let id = base.length <= MAX && !taken.has(base) ? base : '';
    if (!id) {
      const suffix = installationId.replace(/-/g, '').slice(-6);
      id = `${trimmed(base.slice(0, MAX - suffix.length - 1)) || 's'}-${suffix}`;
    }
    taken.add(id);
    return id;
  });
}
