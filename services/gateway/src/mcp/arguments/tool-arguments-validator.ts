import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { canonicalJson, sha256Hex } from './canonical-json';
import { createAjv } from './create-ajv';
import { type ArgumentIssue, argumentIssuesMessage, describeArgumentErrors } from './describe-argument-errors';
import { type JsonSchemaDialect, jsonSchemaDialect } from './json-schema-dialect';
import { type JsonShapeLimits, withinJsonShapeLimits } from './json-shape-limits';

export type ToolArgumentsCheck =
  | { readonly ok: true }
  /** The client's mistake: tell it (as a tool error the model can read and correct, per MCP). */
  | {
      readonly ok: false;
      readonly reason: 'invalid-arguments';
      readonly message: string;
      readonly issues: ArgumentIssue[];
    }
  /** The server's schema cannot be validated safely; the caller decides whether to forward unvalidated or refuse. */
  | { readonly ok: false; readonly reason: 'unusable-schema'; readonly message: string };

export interface ToolArgumentsValidatorOptions {
  /** Compiled schemas kept; least recently used ones are dropped (and released from ajv) beyond this. */
  readonly maxCachedSchemas?: number;
  readonly schemaLimits?: JsonShapeLimits & { readonly maxBytes: number };
  readonly argumentLimits?: JsonShapeLimits;
}

type Compiled =
  | { readonly ok: true; readonly ajv: Ajv; readonly schema: object | boolean; readonly validate: ValidateFunction }
  | { readonly ok: false; readonly message: string };

/** Real tool schemas are a few kilobytes, tens of levels deep at most; these leave ample room. */
const DEFAULT_SCHEMA_LIMITS = { maxBytes: 256 * 1024, maxDepth: 64, maxNodes: 20_000 };
const DEFAULT_ARGUMENT_LIMITS = { maxDepth: 64, maxNodes: 100_000 };

/**
 * Validates `tools/call` arguments against the tool's `inputSchema` before the call leaves the gateway. Compiled
 * validators are cached by a hash of the canonical schema, so a catalog refresh that returns equal schemas costs
 * nothing, and a changed schema (including a rug pull) is compiled afresh. Invalid schemas are cached too, so a
 * hostile one is rejected once, not recompiled on every call.
 */
export class ToolArgumentsValidator {
  private readonly ajvs = new Map<JsonSchemaDialect, Ajv>();
  private readonly cache = new Map<string, Compiled>();
  /**
   * Skips re-hashing when the catalog hands the same schema object again. Tool definitions are treated as immutable:
   * a catalog refresh brings new objects, and a schema object mutated in place would keep its first hash.
   */
  private readonly keys = new WeakMap<object, string>();
  private readonly maxCached: number;
  private readonly schemaLimits: JsonShapeLimits & { readonly maxBytes: number };
  private readonly argumentLimits: JsonShapeLimits;

  constructor(options: ToolArgumentsValidatorOptions = {}) {
    this.maxCached = options.maxCachedSchemas ?? 1000;
    this.schemaLimits = options.schemaLimits ?? DEFAULT_SCHEMA_LIMITS;
    this.argumentLimits = options.argumentLimits ?? DEFAULT_ARGUMENT_LIMITS;
  }

  /** How many schemas are compiled and cached now. */
  get cachedSchemas(): number {
    return this.cache.size;
  }

  /** `args` undefined means the client sent none, which MCP treats as `{}`. */
  check(inputSchema: unknown, args: unknown): ToolArgumentsCheck {
    const compiled = this.compiled(inputSchema);
    if (!compiled.ok) return { ok: false, reason: 'unusable-schema', message: compiled.message };
    const value = args === undefined ? {} : args;
    if (!withinJsonShapeLimits(value, this.argumentLimits)) {
      const message = 'Invalid arguments: / is too large or too deeply nested';
      return { ok: false, reason: 'invalid-arguments', message, issues: [{ path: '/', message: 'is too large' }] };
    }
    if (compiled.validate(value)) return { ok: true };
    const issues = describeArgumentErrors(compiled.validate.errors ?? []);
    return { ok: false, reason: 'invalid-arguments', message: argumentIssuesMessage(issues), issues };
  }

  private compiled(schema: unknown): Compiled {
    const key = this.keyOf(schema);
    if (key === undefined) return { ok: false, message: 'Tool input schema is too large or too deeply nested' };
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const compiled = this.compile(schema);
    this.cache.set(key, compiled);
    this.evict();
    return compiled;
  }

  private keyOf(schema: unknown): string | undefined {
    const known = typeof schema === 'object' && schema !== null ? this.keys.get(schema) : undefined;
    if (known) return known;
    if (!withinJsonShapeLimits(schema, this.schemaLimits)) return undefined;
    const text = canonicalJson(schema);
    if (Buffer.byteLength(text) > this.schemaLimits.maxBytes) return undefined;
    const key = sha256Hex(text);
    if (typeof schema === 'object' && schema !== null) this.keys.set(schema, key);
    return key;
  }

  private compile(schema: unknown): Compiled {
    if (typeof schema !== 'boolean' && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
      return { ok: false, message: 'Tool input schema is not a JSON Schema object' };
    }
    const dialect = jsonSchemaDialect(schema);
    if (!dialect) return { ok: false, message: 'Tool input schema declares an unsupported $schema dialect' };
    // A private copy: the caller may mutate its object later, and ajv keeps a reference. `$schema` goes too, since
    // the instance is already chosen and ajv would otherwise look up the exact URI spelling.
    const copy = typeof schema === 'boolean' ? schema : withoutDialect(JSON.parse(canonicalJson(schema)) as object);
    const ajv = this.ajvFor(dialect);
    try {
      return { ok: true, ajv, schema: copy, validate: ajv.compile(copy) };
    } catch (error) {
      if (typeof copy === 'object') ajv.removeSchema(copy);
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, message: `Tool input schema cannot be used: ${reason.slice(0, 300)}` };
    }
  }

  private ajvFor(dialect: JsonSchemaDialect): Ajv {
    let ajv = this.ajvs.get(dialect);
    if (!ajv) this.ajvs.set(dialect, (ajv = createAjv(dialect)));
    return ajv;
  }

  private evict(): void {
    while (this.cache.size > this.maxCached) {
      const [oldest, entry] = this.cache.entries().next().value as [string, Compiled];
      this.cache.delete(oldest);
      // ajv keeps every compiled schema in its own cache; without this, a long-lived gateway leaks them.
      if (entry.ok && typeof entry.schema === 'object') entry.ajv.removeSchema(entry.schema);
    }
  }
}

function withoutDialect(schema: object): object {
  const { $schema, ...rest } = schema as { $schema?: unknown };
  return rest;
}
