import * as z from 'zod';
import type { EventContract } from '../../../contract/contract.types';
import { defineEvent } from '../../../contract/define-contract';

const hash = z.string().regex(/^[0-9a-f]{64}$/);
const toolData = z.object({
  installationId: z.uuid(),
  catalogEntryId: z.uuid(),
  tool: z.string(),
  /** The definition hash now presented by the server. */
  hash,
  /** The pin (what an approver accepted); `null` for a tool never approved. */
  approvedHash: hash.nullable(),
});

export const toolChanged = defineEvent({
  subject: 'events.v1.registry.tool.changed',
  description:
    'An approved server presented a tool definition that differs from its pin (`changed`) or a tool it did not have (`added`): it is withheld from every gateway until an approver accepts it.',
  data: toolData.extend({ change: z.enum(['changed', 'added']), requestId: z.uuid() }),
});

export const toolPinned = defineEvent({
  subject: 'events.v1.registry.tool.pinned',
  description:
    'A tool definition was pinned without an approval request: on first sight of a never-pinned installation (trust on first use) or as a new tool of an entry that does not ask for approval of new tools.',
  data: toolData.extend({ reason: z.enum(['first-use', 'new-tool']) }),
});

export const toolApproved = defineEvent({
  subject: 'events.v1.registry.tool.approved',
  description: "An approver accepted a tool's changed or new definition: its hash is the pin and gateways serve it.",
  data: toolData.extend({ requestId: z.uuid(), approvedBy: z.string(), note: z.string().nullable() }),
});

export const toolDeclined = defineEvent({
  subject: 'events.v1.registry.tool.declined',
  description: "An approver declined a tool's changed or new definition: the tool stays withheld.",
  data: toolData.extend({ requestId: z.uuid(), declinedBy: z.string(), reason: z.string() }),
});

export const TOOL_EVENTS: readonly EventContract[] = [toolChanged, toolPinned, toolApproved, toolDeclined];
