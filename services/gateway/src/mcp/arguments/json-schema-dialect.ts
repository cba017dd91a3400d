export type JsonSchemaDialect = '2020-12' | '2019-09' | 'draft-07';

const DIALECTS: Record<string, JsonSchemaDialect> = {
  'json-schema.org/draft/2020-12/schema': '2020-12',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft-07/schema': 'draft-07',
};

/**
 * The dialect a tool's schema is written in. MCP (SEP-1613, 2025-11-25) makes 2020-12 the default and lets a schema
 * declare another with `$schema`; draft-07 is what zod-to-json-schema and many older servers declare. Returns
 * undefined for a dialect the gateway cannot validate (draft-04/06, a custom meta-schema).
 */
export function jsonSchemaDialect(schema: unknown): JsonSchemaDialect | undefined {
  const declared =
    typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (declared === undefined) return '2020-12';
  if (typeof declared !== 'string') return undefined;
  // Written with http or https, with or without the empty fragment, in the wild.
  const normalized = declared
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/#$/, '')
    .toLowerCase();
  return DIALECTS[normalized];
}
