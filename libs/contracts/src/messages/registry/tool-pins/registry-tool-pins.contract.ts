import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { discoveredToolSchema } from '../../orchestrator/discover/orchestrator-discover.contract';

const hash = z.string().regex(/^[0-9a-f]{64}$/);
/** The data-path id of a server within a gateway (`server` of `/v1/mcp/{gateway}/servers/{server}`). */
const serverRef = { gatewayId: z.uuid(), serverId: z.string().min(1).max(64) };

export const toolPinSchema = z.object({
  name: z.string(),
  /** The hash an approver accepted; `null` for a new tool that waits for its first approval. */
  approvedHash: hash.nullable(),
  /** The last definition hash the registry saw. */
  hash,
  status: z.enum(['approved', 'withheld', 'pending']),
});
export type ToolPin = z.infer<typeof toolPinSchema>;

/**
 * `registry.v1.tools.pins`: the orchestrator asks for the pinned tool definitions of a server it runs for a gateway,
 * to withhold tools whose definition no longer matches what an approver accepted.
 */
export const registryToolPins = defineRequest({
  subject: 'registry.v1.tools.pins',
  description: "The approved tool-definition hashes (pins) of a gateway's server, for the data path.",
  request: z.object(serverRef).strict(),
  response: z.discriminatedUnion('found', [
    z.object({ found: z.literal(false) }),
    z.object({
      found: z.literal(true),
      installationId: z.uuid(),
      /** False until the installation's tools were first pinned (GitOps-seeded ones: on first sight). */
      pinned: z.boolean(),
      /** Whether a tool that appears newly waits for approval (else it is pinned on sight). */
      newToolsNeedApproval: z.boolean(),
      tools: z.array(toolPinSchema),
    }),
  ]),
});

/**
 * `registry.v1.tools.report`: the orchestrator reports tool definitions it saw that the pins do not cover (changed,
 * new, or an installation never pinned). The registry withholds, pins or raises approval requests; idempotent.
 */
export const registryToolReport = defineRequest({
  subject: 'registry.v1.tools.report',
  description: 'Tool definitions seen on the data path that differ from their pins, or have none.',
  request: z.object({ ...serverRef, tools: z.array(discoveredToolSchema).min(1).max(500) }).strict(),
  response: z.object({ recorded: z.int().min(0) }),
});

/**
 * `_meta` key of a tools/list result the worker filtered: the tools it left out and why, so an aggregating gateway
 * can name the reason when a client calls one of them (`[{ name, reason }]`).
 */
export const WITHHELD_TOOLS_META = 'io.portcullis/withheld-tools';
export const withheldToolsSchema = z.array(z.object({ name: z.string(), reason: z.string() }));
export type WithheldTools = z.infer<typeof withheldToolsSchema>;
