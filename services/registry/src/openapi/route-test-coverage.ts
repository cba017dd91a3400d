import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/api/v1/users/{userId}`. */
  path: string;
}

const escape = (text: string): string => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/**
 * A test exercises an operation when it names the method and a matching URL in one call, in either of the forms
 * the tests use: `api('GET', `/api/v1/users/${id}`)` or `{ method: 'GET', url: '/api/v1/users/…' }`. A path
 * parameter matches one concrete segment or one `${…}` expression; a query string may follow.
 */
export function operationPattern(operation: Operation): RegExp {
  const path = operation.path
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '(?:\\$\\{[^}]+\\}|[^/?\'"`\\s$]+)' : escape(part)))
    .join('');
  const method = `['"]${operation.method.toUpperCase()}['"]`;
  const url = `[\`'"]${path}(?:[?][^\`'"]*)?[\`'"]`;
  return new RegExp(`${method}\\s*,\\s*(?:url\\s*:\\s*)?${url}`);
}

/** Every test file under the given folders (unit, integration and end-to-end). */
export function testSources(roots: readonly string[]): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (/\.(spec|integration-spec|e2e-spec)\.ts$/.test(entry.name)) {
        out.push({ file: full, text: readFileSync(full, 'utf8') });
      }
    }
  };
  roots.forEach(walk);
  return out;
}

/** The operations no test exercises. */
export function untestedOperations(
  operations: readonly Operation[],
  sources: readonly { file: string; text: string }[],
): Operation[] {
  return operations.filter((operation) => {
    const pattern = operationPattern(operation);
    return !sources.some((source) => pattern.test(source.text));
  });
}
