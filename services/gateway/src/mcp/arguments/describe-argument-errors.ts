import type { ErrorObject } from 'ajv';

/** One failing location in the arguments, as a JSON Pointer (`/items/0/name`; `/` is the arguments object). */
export interface ArgumentIssue {
  readonly path: string;
  readonly message: string;
}

/** Enough to fix a call; a schema with many alternatives can produce hundreds, which only bury the useful ones. */
const MAX_ISSUES = 10;
const MAX_ALLOWED_VALUES_SHOWN = 10;

/** Turns ajv's errors into issues a model (or a person) can act on, pointing at the property itself. */
export function describeArgumentErrors(errors: readonly ErrorObject[]): ArgumentIssue[] {
  const seen = new Set<string>();
  const issues: ArgumentIssue[] = [];
  for (const error of errors) {
    const issue = describe(error);
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

/** `Invalid arguments: /count must be integer; /path is required` — capped, with a count of what was left out. */
export function argumentIssuesMessage(issues: readonly ArgumentIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES).map((issue) => `${issue.path} ${issue.message}`);
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : '';
  return `Invalid arguments: ${shown.join('; ')}${more}`;
}

function describe(error: ErrorObject): ArgumentIssue {
  const params = error.params as Record<string, unknown>;
  const at = (child?: unknown) => pointer(error.instancePath, typeof child === 'string' ? child : undefined);
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired':
      return { path: at(params.missingProperty), message: 'is required' };
    case 'additionalProperties':
      return { path: at(params.additionalProperty), message: 'is not allowed' };
    case 'unevaluatedProperties':
      return { path: at(params.unevaluatedProperty), message: 'is not allowed' };
    case 'enum':
      return { path: at(), message: `must be one of ${allowedValues(params.allowedValues)}` };
    case 'const':
      return { path: at(), message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path: at(), message: error.message ?? `fails ${error.keyword}` };
  }
}

function allowedValues(values: unknown): string {
  if (!Array.isArray(values)) return 'the allowed values';
  const shown = values.slice(0, MAX_ALLOWED_VALUES_SHOWN).map((value) => JSON.stringify(value));
  return values.length > MAX_ALLOWED_VALUES_SHOWN ? `${shown.join(', ')}, …` : shown.join(', ');
}

function pointer(instancePath: string, child: string | undefined): string {
  const path = child === undefined ? instancePath : `${instancePath}/${child.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return path === '' ? '/' : path;
}
