import { INITIAL_HASH_LENGTH, MAX_HASH_LENGTH, toolNameHash } from './tool-name-hash';
import { type ToolNameConflict, type ToolNameEntry, ToolNameMap, type UpstreamToolRef } from './tool-name-map';
import {
  MAX_TOOL_NAME_LENGTH,
  TOOL_NAME_PATTERN,
  TOOL_NAME_SEPARATOR,
  type ToolPrefixMode,
  sanitizeNamePart,
} from './tool-name-rules';

/** Below this many characters a server part is not shortened further in favour of the tool part. */
const MIN_SERVER_PART = 16;

interface Candidate {
  readonly ref: UpstreamToolRef;
  readonly prefixed: boolean;
  /** The name before any shortening; used verbatim when it already fits the rules. */
  readonly plain: string;
  readonly exact: boolean;
  readonly server: string;
  readonly tool: string;
  readonly hash: string;
  /** 0 = the plain name; otherwise how many hex digits of the hash the shortened name carries. */
  hashLength: number;
}

/**
 * Names every tool of the aggregated view.
 *
 * - `always`: `server__tool` for every tool. Names never change when other servers come and go.
 * - `on-conflict`: the bare tool name, prefixed only for tools whose name several servers share.
 * - `never`: bare names; tools whose name several servers share are not exposed at all and are reported in
 *   `conflicts` (routing `search` to an arbitrary one of two servers would be worse than a missing tool).
 *
 * A name that breaks the rules (too long, characters outside `[a-zA-Z0-9_-]`) or collides with another becomes
 * `<truncated, sanitised name>_<hash of the original pair>`. Every decision depends on the set of pairs only, never
 * on their order, so every gateway replica derives the same names from the same catalog.
 */
export function buildToolNameMap(pairs: Iterable<UpstreamToolRef>, mode: ToolPrefixMode): ToolNameMap {
  const refs = uniqueSorted(pairs);
  const serversByTool = new Map<string, string[]>();
  for (const ref of refs) serversByTool.set(ref.tool, [...(serversByTool.get(ref.tool) ?? []), ref.server]);

  const conflicts: ToolNameConflict[] = [];
  const candidates: Candidate[] = [];
  for (const ref of refs) {
    const servers = serversByTool.get(ref.tool) ?? [];
    const shared = servers.length > 1;
    if (mode === 'never' && shared) {
      if (servers[0] === ref.server) conflicts.push({ tool: ref.tool, servers });
      continue;
    }
    candidates.push(candidate(ref, mode === 'always' || (mode === 'on-conflict' && shared)));
  }

  const names = assignUniqueNames(candidates);
  const entries: ToolNameEntry[] = candidates.map((c, i) => ({
    server: c.ref.server,
    tool: c.ref.tool,
    name: names[i],
    prefixed: c.prefixed,
    shortened: c.hashLength > 0,
  }));
  entries.sort((a, b) => compare(a.name, b.name));
  return new ToolNameMap(entries, conflicts);
}

function candidate(ref: UpstreamToolRef, prefixed: boolean): Candidate {
  const plain = prefixed ? `${ref.server}${TOOL_NAME_SEPARATOR}${ref.tool}` : ref.tool;
  const exact = TOOL_NAME_PATTERN.test(plain);
  return {
    ref,
    prefixed,
    plain,
    exact,
    server: sanitizeNamePart(ref.server, 'server'),
    tool: sanitizeNamePart(ref.tool, 'tool'),
    hash: toolNameHash(ref.server, ref.tool),
    hashLength: exact ? 0 : INITIAL_HASH_LENGTH,
  };
}

/**
 * Renders names and, while two candidates share one, lengthens the hash of all but one of them: an exact name is
 * kept in preference to a shortened one, a bare tool name to a prefixed one, then the first pair in sort order.
 */
function assignUniqueNames(candidates: Candidate[]): string[] {
  for (;;) {
    const names = candidates.map(render);
    const groups = new Map<string, Candidate[]>();
    candidates.forEach((c, i) => groups.set(names[i], [...(groups.get(names[i]) ?? []), c]));
    const collisions = [...groups.values()].filter((group) => group.length > 1);
    if (collisions.length === 0) return names;
    for (const group of collisions) {
      const [, ...others] = [...group].sort(byKeepPriority);
      for (const other of others) {
        other.hashLength = other.hashLength === 0 ? INITIAL_HASH_LENGTH : other.hashLength + 4;
        if (other.hashLength > MAX_HASH_LENGTH) {
          throw new Error(`Cannot find a unique name for ${other.ref.server}/${other.ref.tool}`);
        }
      }
    }
  }
}

function byKeepPriority(a: Candidate, b: Candidate): number {
  return (
    a.hashLength - b.hashLength ||
    Number(a.prefixed) - Number(b.prefixed) ||
    compare(a.ref.server, b.ref.server) ||
    compare(a.ref.tool, b.ref.tool)
  );
}

function render(c: Candidate): string {
  if (c.hashLength === 0) return c.plain;
  const suffix = `_${c.hash.slice(0, c.hashLength)}`;
  const budget = MAX_TOOL_NAME_LENGTH - suffix.length;
  if (!c.prefixed) return c.tool.slice(0, budget) + suffix;
  const [server, tool] = fitPrefixed(c.server, c.tool, budget - TOOL_NAME_SEPARATOR.length);
  return `${server}${TOOL_NAME_SEPARATOR}${tool}${suffix}`;
}

/** Shares the room between server and tool, favouring the tool part, which is what the model reads. */
function fitPrefixed(server: string, tool: string, room: number): [string, string] {
  if (server.length + tool.length <= room) return [server, tool];
  const serverLength = Math.min(server.length, Math.max(MIN_SERVER_PART, room - tool.length));
  return [server.slice(0, serverLength), tool.slice(0, room - serverLength)];
}

function uniqueSorted(pairs: Iterable<UpstreamToolRef>): UpstreamToolRef[] {
  const seen = new Map<string, UpstreamToolRef>();
  for (const { server, tool } of pairs) seen.set(JSON.stringify([server, tool]), { server, tool });
  return [...seen.values()].sort((a, b) => compare(a.server, b.server) || compare(a.tool, b.tool));
}

/** Code-unit order: unlike localeCompare it is the same on every machine and ICU version. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
