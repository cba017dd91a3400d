import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';

export const serviceStopped = defineEvent({
  subject: 'events.v1.system.service-stopped',
  description: 'A service instance is shutting down gracefully (a crash emits nothing).',
  data: z.object({
    service: z.string(),
    instanceId: z.string(),
    reason: z.string(),
    uptimeSeconds: z.number().nonnegative(),
  }),
});
