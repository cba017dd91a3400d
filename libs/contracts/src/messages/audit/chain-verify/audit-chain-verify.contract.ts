import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';

/** The first problem the verifier met on the chain. */
export const chainProblemSchema = z.object({
  kind: z.enum(['modified', 'deleted', 'inserted', 'broken-link']),
  chainSeq: z.number().int().nonnegative(),
  eventId: z.string().optional(),
  detail: z.string(),
});

/** What the verifier found: the chain intact up to `headSeq`, or the first problem on it. */
export const chainReportSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), checked: z.number().int().nonnegative(), headSeq: z.number().int().nonnegative() }),
  z.object({ ok: z.literal(false), checked: z.number().int().nonnegative(), problem: chainProblemSchema }),
]);
export type ChainReportMessage = z.infer<typeof chainReportSchema>;

/** `audit.v1.chain.verify`: walks the hash chain (optionally from a sequence number, at most `limit` rows). */
export const auditChainVerify = defineRequest({
  subject: 'audit.v1.chain.verify',
  description: 'Verifies the audit hash chain and reports the first modified, deleted or inserted row.',
  request: z
    .object({
      fromSeq: z.number().int().min(1).optional(),
      limit: z.number().int().min(1).max(100_000_000).optional(),
    })
    .strict(),
  response: chainReportSchema,
});
