/**
 * What every name the aggregated view emits must match. MCP itself allows `.` and `/` and up to 128 characters,
 * but OpenAI and Bedrock reject anything outside this pattern, and clients pass our names straight to them.
 */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export const MAX_TOOL_NAME_LENGTH = 64;

/** Joins server and tool in prefixed names. Never parsed back: the reverse direction goes through the map. */
export const TOOL_NAME_SEPARATOR = '__';

/** How the aggregated view names a server's tool; see `buildToolNameMap`. */
export type ToolPrefixMode = 'always' | 'on-conflict' | 'never';

/**
 * Makes one part of a name fit the allowed alphabet. Accents are folded first (`café` → `cafe`) so that the result
 * stays readable; whatever remains outside the alphabet becomes `_`. The result can collide with another sanitised
 * name (`a.b` and `a/b`), which is why every sanitised name also gets a hash of its original (see the map builder).
 */
export function sanitizeNamePart(raw: string, fallback: string): string {
  const folded = raw.normalize('NFKD').replace(/\p{M}+/gu, '');
  const cleaned = folded.replace(/[^A-Za-z0-9_-]+/g, '_');
  return /[A-Za-z0-9]/.test(cleaned) ? cleaned : fallback;
}
