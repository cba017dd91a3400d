/** `capabilities` of an initialize (2025-11-25) or `server/discover` (2026-07-28) result; an open set by design. */
export type ServerCapabilities = Record<string, unknown>;

/** Keys that would reach the prototype of the merged object when copied from upstream JSON. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The capabilities the aggregated view advertises: the union of every server's. A feature is present when any
 * server has it; a boolean flag such as `listChanged` or `subscribe` is true when any server sets it (the gateway
 * forwards what the servers that support it send); nested objects (`experimental`, `extensions`, `tasks`) merge key
 * by key and arrays as sets. When two servers give different values for anything else, the first server's wins,
 * so pass servers in the gateway's configured order. The gateway's own capabilities (e.g. `tools.listChanged`, which
 * it emits itself when an admin changes the view) can simply be passed as one more entry.
 */
export function mergeServerCapabilities(capabilities: readonly (ServerCapabilities | undefined)[]): ServerCapabilities {
  let merged: ServerCapabilities = {};
  for (const entry of capabilities) {
    if (isPlainObject(entry)) merged = mergeObjects(merged, entry);
  }
  return merged;
}

function mergeObjects(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (UNSAFE_KEYS.has(key) || value === undefined) continue;
    result[key] = key in result ? mergeValues(result[key], value) : copy(value);
  }
  return result;
}

function mergeValues(current: unknown, incoming: unknown): unknown {
  if (isPlainObject(current) && isPlainObject(incoming)) return mergeObjects(current, incoming);
  if (typeof current === 'boolean' && typeof incoming === 'boolean') return current || incoming;
  if (Array.isArray(current) && Array.isArray(incoming)) return unionArrays(current, incoming);
  // A malformed server sending `tools: true` next to `tools: {}`: the object says more, and "present" either way.
  if (isPlainObject(incoming) && !isPlainObject(current)) return copy(incoming);
  return current;
}

function unionArrays(current: readonly unknown[], incoming: readonly unknown[]): unknown[] {
  const seen = new Set(current.map((item) => JSON.stringify(item)));
  const result = [...current];
  for (const item of incoming) {
    const key = JSON.stringify(item);
    if (!seen.has(key)) {
      seen.add(key);
      result.push(copy(item));
    }
  }
  return result;
}

/** Deep copy without the unsafe keys, so the result never aliases (or inherits from) upstream data. */
function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (isPlainObject(value)) return mergeObjects({}, value);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
