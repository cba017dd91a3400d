import { defineEvent } from '../../../contract/define-contract';
import { catalogEntryEventData } from '../catalog-entry-created/catalog-entry-event-data';

export const catalogEntryDeleted = defineEvent({
  subject: 'events.v1.registry.catalog.deleted',
  description: 'A catalog entry was removed from an organisation.',
  data: catalogEntryEventData,
});
