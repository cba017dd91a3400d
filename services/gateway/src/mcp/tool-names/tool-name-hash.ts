import { createHash } from 'node:crypto';

/** Hex digits a shortened name starts with; lengthened only for the (astronomically rare) pairs that still collide. */
export const INITIAL_HASH_LENGTH = 8;
export const MAX_HASH_LENGTH = 40;

/**
 * A hash of the exact original pair, so two different upstream names never share a suffix even when they shorten
 * or sanitise to the same text. JSON encoding keeps `("a_", "b")` and `("a", "_b")` apart.
 */
export function toolNameHash(server: string, tool: string): string {
  return createHash('sha256')
    .update(JSON.stringify([server, tool]))
    .digest('hex');
}
