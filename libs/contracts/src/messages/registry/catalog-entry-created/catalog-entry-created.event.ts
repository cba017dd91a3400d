import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';
import { catalogEntryEventData } from './catalog-entry-event-data';

export const catalogEntryCreated = defineEvent({
  subject: 'events.v1.registry.catalog.created',
  description: 'A catalog entry was added to an organisation (created or imported from server.json).',
  data: catalogEntryEventData.extend({ source: z.enum(['api', 'server.json', 'gitops']) }),
});
