import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';

export const serviceStarted = defineEvent({
  subject: 'events.v1.system.service-started',
  description: 'A service instance finished start-up and is serving.',
  data: z.object({
    service: z.string(),
    instanceId: z.string(),
    version: z.string(),
    pid: z.number().int().positive(),
    startupMs: z.number().nonnegative(),
  }),
});
