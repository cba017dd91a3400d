import * as z from 'zod';
import { defineRequest } from '../../../contract/define-contract';
import { serviceStatusSchema } from '../../../http/system-health';

/** `system.v1.status.<service>`: one instance of the named service reports its readiness. */
export const systemStatus = defineRequest({
  subject: 'system.v1.status',
  routed: true,
  description: 'Readiness and dependency checks of one instance of a service.',
  request: z.object({}).strict(),
  response: serviceStatusSchema,
});
