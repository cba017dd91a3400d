import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';

/** What gateway events say: identity, settings and which installations it serves — never credentials. */
export const gatewayEventData = z.object({
  gatewayId: z.uuid(),
  slug: z.string(),
  name: z.string(),
  prefixMode: z.enum(['always', 'on-conflict', 'never']),
  untrustedContext: z.boolean(),
  access: z.enum(['organization', 'restricted']),
  installationIds: z.array(z.uuid()),
  /** `api` for REST changes, `gitops` for what the portcullis.yaml seed applied. */
  source: z.enum(['api', 'gitops']),
});

export const gatewayCreated = defineEvent({
  subject: 'events.v1.registry.gateway.created',
  description: 'A gateway (profile) was created in an organisation.',
  data: gatewayEventData,
});

export const gatewayUpdated = defineEvent({
  subject: 'events.v1.registry.gateway.updated',
  description: 'A gateway changed: `changed` names what (settings, access, servers).',
  data: gatewayEventData.extend({ changed: z.array(z.string()) }),
});

export const gatewayDeleted = defineEvent({
  subject: 'events.v1.registry.gateway.deleted',
  description: 'A gateway was deleted; its URL answers 404 from now on.',
  data: gatewayEventData,
});
