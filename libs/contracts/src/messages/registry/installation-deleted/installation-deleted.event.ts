import { defineEvent } from '../../../contract/define-contract';
import { installationEventData } from '../installation-created/installation-event-data';

export const installationDeleted = defineEvent({
  subject: 'events.v1.registry.installation.deleted',
  description: 'An installation was removed, with its stored credentials.',
  data: installationEventData,
});
