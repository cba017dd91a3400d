import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';
import { catalogEntryEventData } from '../catalog-entry-created/catalog-entry-event-data';

export const catalogEntryUpdated = defineEvent({
  subject: 'events.v1.registry.catalog.updated',
  description: 'A catalog entry changed; `changed` lists the top-level fields that differ.',
  data: catalogEntryEventData.extend({
    changed: z.array(z.string()),
    source: z.enum(['api', 'server.json', 'gitops']),
  }),
});
