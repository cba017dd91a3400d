import * as z from 'zod';

/** What installation events say: who it is for and which settings exist. Values, and secrets above all, never. */
export const installationEventData = z.object({
  installationId: z.uuid(),
  catalogEntryId: z.uuid(),
  scope: z.enum(['organization', 'team', 'user']),
  subjectId: z.uuid(),
  status: z.enum(['requested', 'approved', 'deploying', 'ready', 'failed', 'declined']),
  /** Names of the configuration values set. */
  configurationKeys: z.array(z.string()),
  /** Names of the credentials set (their values stay encrypted in the registry). */
  credentialNames: z.array(z.string()),
});
