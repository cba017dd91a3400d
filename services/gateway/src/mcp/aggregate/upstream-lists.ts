import {
  type JsonRpcMessage,
  WITHHELD_TOOLS_META,
  type WithheldTools,
  withheldToolsSchema,
} from '@portcullis/contracts';
import type { McpCallRelay } from '../http/mcp-call-relay';
import type { SessionRef } from '../session/session-token';

type Upstream = SessionRef & { server?: string };
const MAX_PAGES = 50;
const METHOD_NOT_FOUND = -32601;
let nextId = 0;

/** The `error` of a list whose upstream session no longer exists (closed, expired, its worker gone). */
export const SESSION_GONE = 'session gone';

/**
 * Every page of one list method from one upstream (the gateway follows the upstream's cursors itself and serves
 * the merged list). An upstream that fails contributes nothing rather than failing the whole view.
 */
export async function listAll<T>(
  relay: McpCallRelay,
  upstream: Upstream,
  method: string,
  key: string,
  timeoutMs: number,
): Promise<{ server: string; items: T[]; error?: string; withheld?: WithheldTools }> {
  const server = upstream.server ?? '';
  const items: T[] = [];
  const withheld: WithheldTools = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const message = {
      jsonrpc: '2.0',
      id: `pc-list-${nextId++}`,
      method,
      ...(cursor ? { params: { cursor } } : {}),
    } as JsonRpcMessage;
    try {
      const { response, sessionGone } = await relay.send(upstream, message, { timeoutMs });
      if (sessionGone) return { server, items, error: SESSION_GONE };
      const result = (response as { result?: Record<string, unknown> } | null)?.result;
      if (!result) {
        const error = (response as { error?: { code?: unknown } } | null)?.error;
        // A server without that kind of list (no such capability) has none of it: a complete answer, not a failure.
        if (error?.code === METHOD_NOT_FOUND) return { server, items };
        return { server, items, error: JSON.stringify(error) };
      }
      items.push(...((result[key] as T[] | undefined) ?? []));
      // Tools the worker withheld (tool pinning): not served, but a call to one is refused with the reason.
      const held = withheldToolsSchema.safeParse(
        (result._meta as Record<string, unknown> | undefined)?.[WITHHELD_TOOLS_META],
      );
      if (held.success) withheld.push(...held.data);
      cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
      if (!cursor) break;
    } catch (error) {
      return { server, items, error: error instanceof Error ? error.message : String(error) };
    }
  }
  return withheld.length > 0 ? { server, items, withheld } : { server, items };
}
