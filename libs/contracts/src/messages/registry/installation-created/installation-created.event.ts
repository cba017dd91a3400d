import { defineEvent } from '../../../contract/define-contract';
import { installationEventData } from './installation-event-data';

export const installationCreated = defineEvent({
  subject: 'events.v1.registry.installation.created',
  description: 'A catalog entry was installed for an organisation, team or user.',
  data: installationEventData,
});
