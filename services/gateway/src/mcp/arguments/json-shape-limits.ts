export interface JsonShapeLimits {
  /** Deepest nesting of objects and arrays. */
  readonly maxDepth: number;
  /** Values of any kind, counted over the whole document. */
  readonly maxNodes: number;
}

/**
 * Whether a parsed JSON value stays within limits. Iterative on purpose: this runs before anything recursive (hashing,
 * ajv's compiler) so that a 100 000-level document is refused instead of overflowing the stack. Stops counting as soon
 * as a limit is passed, so its own cost is bounded too; a cyclic object graph simply runs into `maxNodes`.
 */
export function withinJsonShapeLimits(value: unknown, limits: JsonShapeLimits): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const current = stack.pop();
    if (!current) break;
    if (++nodes > limits.maxNodes || current.depth > limits.maxDepth) return false;
    if (typeof current.value !== 'object' || current.value === null) continue;
    const children = Array.isArray(current.value) ? current.value : Object.values(current.value);
    for (const child of children as unknown[]) stack.push({ value: child, depth: current.depth + 1 });
  }
  return true;
}
