import type { PortcullisGateway } from '@portcullis/contracts';

/** A gateway that may restrict the tools it serves per server (registry gateways do; file gateways never). */
type WithAllowList = PortcullisGateway & { tools?: Record<string, string[] | null> };

/** Whether the gateway restricts which tools of this server it serves. */
export const restrictsTools = (gateway: WithAllowList, server: string): boolean =>
  Array.isArray(gateway.tools?.[server]);

/** Each server's tool list cut down to what the gateway serves of it. */
export function allowedTools<L extends { server: string; items: { name: string }[] }>(
  gateway: WithAllowList,
  lists: L[],
): L[] {
  return lists.map((list) => {
    const allowed = gateway.tools?.[list.server];
    return Array.isArray(allowed) ? { ...list, items: list.items.filter((t) => allowed.includes(t.name)) } : list;
  });
}
