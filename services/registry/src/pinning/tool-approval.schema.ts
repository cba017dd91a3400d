import { z } from 'zod';
import { paginationQuery } from '../http/pagination';

export const toolApprovalStatus = z.enum(['pending', 'approved', 'declined', 'superseded']);
export type ToolApprovalStatus = z.infer<typeof toolApprovalStatus>;

const hash = z.string().regex(/^[0-9a-f]{64}$/);
const definition = z.object({
  title: z.string().nullable(),
  description: z.string().nullable(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
  annotations: z.record(z.string(), z.unknown()).nullable(),
});

/**
 * A tool definition that waits for an approver: a tool of an approved server whose definition changed (`changed`,
 * withheld until approved) or that the server listed newly (`added`, pending). One per distinct definition hash.
 */
export const toolApproval = z.object({
  id: z.uuid(),
  installationId: z.uuid(),
  catalogEntryId: z.uuid(),
  serverName: z.string(),
  tool: z.string(),
  kind: z.enum(['changed', 'added']),
  status: toolApprovalStatus,
  /** The hash of the definition presented now: approving makes it the pin. */
  hash,
  /** The pin when the change was seen; `null` for a new tool. */
  approvedHash: hash.nullable(),
  definition,
  /** The definition that was approved before (`null` for a new tool). */
  previousDefinition: definition.nullable(),
  createdAt: z.iso.datetime({ offset: true }),
  decidedBy: z.string().nullable(),
  decidedAt: z.iso.datetime({ offset: true }).nullable(),
  /** The approver's note, the reason of a decline, or why it was superseded. */
  decisionReason: z.string().nullable(),
});
export type ToolApproval = z.infer<typeof toolApproval>;

export const listToolApprovalsQuery = paginationQuery.extend({
  status: toolApprovalStatus.optional(),
  installationId: z.uuid().optional(),
});
export type ListToolApprovalsQuery = z.infer<typeof listToolApprovalsQuery>;

export const approveToolBody = z.strictObject({ note: z.string().max(2000).optional() });
export type ApproveToolBody = z.infer<typeof approveToolBody>;

export const declineToolBody = z.strictObject({ reason: z.string().trim().min(1).max(2000) });
export type DeclineToolBody = z.infer<typeof declineToolBody>;
