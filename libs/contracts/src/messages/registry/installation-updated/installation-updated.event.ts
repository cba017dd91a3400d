import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';
import { installationEventData } from '../installation-created/installation-event-data';

export const installationUpdated = defineEvent({
  subject: 'events.v1.registry.installation.updated',
  description: 'An installation changed: `changed` names what (configuration, credentials, status).',
  data: installationEventData.extend({ changed: z.array(z.string()) }),
});
