import { type Document, LineCounter, type Node, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type * as z from 'zod';
import { type PortcullisFile, portcullisFileSchema } from '@portcullis/contracts';

export interface PortcullisFileIssue {
  /** `servers[1].runtime.command`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
  /** 1-based position of the offending value (or of the object missing a key) when it can be located. */
  readonly line?: number;
  readonly column?: number;
}

export type PortcullisFileParse =
  | { readonly ok: true; readonly config: PortcullisFile }
  | { readonly ok: false; readonly issues: readonly PortcullisFileIssue[] };

/** `&a [*b, *b, …]` nested ten deep expands to billions of nodes; real files use a handful of aliases. */
const MAX_ALIAS_COUNT = 100;

/** Parses and validates `portcullis.yaml`, reporting every problem found with its line, not just the first. */
export function parsePortcullisFile(text: string): PortcullisFileParse {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: '', message: error.message, line, column: col };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: error instanceof Error ? error.message : 'unreadable YAML' }] };
  }
  const result = portcullisFileSchema.safeParse(value);
  if (result.success) return { ok: true, config: result.data };
  const issues = result.error.issues.flatMap((issue) => locate(issue, doc, lineCounter));
  // In file order, as an editor shows them; issues without a position (the document itself) first.
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ok: false, issues };
}

/** One line per issue, `portcullis.yaml:12:7 servers[1].runtime.command: …`, for logs and the CLI. */
export function formatPortcullisFileIssues(
  issues: readonly PortcullisFileIssue[],
  fileName = 'portcullis.yaml',
): string {
  return issues
    .map((issue) => {
      const where = issue.line === undefined ? fileName : `${fileName}:${issue.line}:${issue.column ?? 1}`;
      return `${where} ${issue.path || '(document)'}: ${issue.message}`;
    })
    .join('\n');
}

function locate(issue: z.ZodError['issues'][number], doc: Document, lineCounter: LineCounter): PortcullisFileIssue[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  // An unknown key is reported on its object; point at each key instead, so every typo gets its own line.
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
  return keys.map((key) => {
    const fullPath = key === undefined ? path : [...path, key];
    const offset = nodeOffset(doc, fullPath, key !== undefined);
    const position = offset === undefined ? undefined : lineCounter.linePos(offset);
    return {
      path: formatPath(fullPath),
      message: key === undefined ? issue.message : 'unknown key',
      ...(position ? { line: position.line, column: position.col } : {}),
    };
  });
}

/** Where the deepest existing node on the path starts; for a missing key that is the object that lacks it. */
function nodeOffset(doc: Document, path: readonly (string | number)[], atKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0];
  for (const [index, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const last = index === path.length - 1;
      // A key written with no value (`command:`) has an empty value node: point at the key.
      const empty = pair.value === null || (isScalar(pair.value) && pair.value.range?.[0] === pair.value.range?.[1]);
      const target = (last && atKey) || empty ? pair.key : pair.value;
      offset = (target as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      offset = (node as Node | null)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment),
    '',
  );
}
