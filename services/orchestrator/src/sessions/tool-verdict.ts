import type { ToolPin } from '@portcullis/contracts';

/** A server's pins as the worker holds them. */
export interface ServerPins {
  installationId: string;
  /** False until the installation's tools were first pinned: then what the server shows is trusted and pinned. */
  pinned: boolean;
  newToolsNeedApproval: boolean;
  tools: ReadonlyMap<string, ToolPin>;
}

export type ToolVerdict =
  { allowed: true; report: boolean } | { allowed: false; report: boolean; reason: string; approvedHash: string | null };

/**
 * Whether a tool with this definition hash may be served, and whether the registry must hear of it (it does not know
 * this definition yet). A tool whose hash is its pin is served; one whose pin differs, or a new one on a server whose
 * entry wants new tools approved, is withheld.
 */
export function toolVerdict(pins: ServerPins, name: string, hash: string): ToolVerdict {
  if (!pins.pinned) return { allowed: true, report: true };
  const pin = pins.tools.get(name);
  if (pin?.approvedHash === hash) return { allowed: true, report: false };
  if (!pin && !pins.newToolsNeedApproval) return { allowed: true, report: true };
  const approvedHash = pin?.approvedHash ?? null;
  return {
    allowed: false,
    report: pin?.hash !== hash,
    approvedHash,
    reason: approvedHash
      ? `tool "${name}" is withheld: its definition changed since it was approved, and waits for re-approval`
      : `tool "${name}" is withheld: it is new on this server and waits for approval`,
  };
}
