import { z } from 'zod';
import { paginationQuery } from '../http/pagination';

export const toolStatus = z.enum(['approved', 'withheld', 'pending']);
export type ToolStatus = z.infer<typeof toolStatus>;

/** A tool an installation's server lists, with the hash of its definition and the pin an approver accepted. */
export const installationTool = z.object({
  name: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
  annotations: z.record(z.string(), z.unknown()).nullable(),
  /** SHA-256 of the canonical JSON of name, description, inputSchema, outputSchema and annotations. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The approved pin; a definition that no longer matches it is withheld from every gateway. */
  approvedHash: z.string().nullable(),
  status: toolStatus,
  approvedBy: z.string().nullable(),
  approvedAt: z.iso.datetime({ offset: true }).nullable(),
  discoveredAt: z.iso.datetime({ offset: true }),
});
export type InstallationTool = z.infer<typeof installationTool>;

export const listToolsQuery = paginationQuery.extend({ status: toolStatus.optional() });
export type ListToolsQuery = z.infer<typeof listToolsQuery>;
