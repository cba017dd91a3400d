import * as z from 'zod';

/** Why a request over the bus failed; the reply carries it so the caller can tell bad input from an outage. */
export const busErrorCodeSchema = z.enum([
  'VALIDATION_FAILED',
  'MALFORMED_MESSAGE',
  'NO_HANDLER',
  'HANDLER_FAILED',
  'TIMEOUT',
  'NO_RESPONDERS',
  'UNAVAILABLE',
]);
export type BusErrorCode = z.infer<typeof busErrorCodeSchema>;

export const busIssueSchema = z.object({ path: z.string(), message: z.string() });

/** Wire format of every reply: `ok` with the response, or an error the caller can act on. */
export const busReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: busErrorCodeSchema, message: z.string(), issues: z.array(busIssueSchema).optional() }),
  }),
]);
export type BusReply = z.infer<typeof busReplySchema>;
