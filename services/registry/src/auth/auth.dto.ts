import * as z from 'zod';

export const loginBody = z.object({ email: z.email().max(320), password: z.string().min(1).max(1024) }).strict();

export const sessionSchema = z.object({
  token: z.string().describe('Bearer token of the console session (pcs_…); shown once.'),
  expiresAt: z.iso.datetime(),
  user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), organization: z.string() }),
});
