import * as z from 'zod';

/** What catalog events say about an entry: identity and shape, never configuration values. */
export const catalogEntryEventData = z.object({
  entryId: z.uuid(),
  name: z.string(),
  slug: z.string(),
  version: z.string(),
  kind: z.enum(['remote', 'local']),
});
