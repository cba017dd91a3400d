import * as z from 'zod';
import type { EventContract } from '../../../contract/contract.types';
import { defineEvent } from '../../../contract/define-contract';

const id = z.uuid();

/** What request events say: what was requested, for whom, by whom. Configuration values and secrets, never. */
const requestData = z.object({
  requestId: id,
  /** The installation the request creates once approved (its id is fixed when the request is made). */
  installationId: id,
  /** `null` for a custom server until approval turns it into a catalog entry. */
  catalogEntryId: id.nullable(),
  /** The catalog entry's name, or the custom server's. */
  serverName: z.string(),
  custom: z.boolean(),
  scope: z.enum(['organization', 'team', 'user']),
  subjectId: id,
  gatewayIds: z.array(z.string()),
  requestedBy: z.string(),
});

export const installationRequestCreated = defineEvent({
  subject: 'events.v1.registry.request.created',
  description: 'A member asked for a server to be installed; it waits for an approver.',
  data: requestData.extend({ expiresAt: z.iso.datetime({ offset: true }) }),
});

export const installationRequestApproved = defineEvent({
  subject: 'events.v1.registry.request.approved',
  description: 'An approver approved an installation request; the installation is created and deployed.',
  data: requestData.extend({ approvedBy: z.string(), note: z.string().nullable() }),
});

export const installationRequestDeclined = defineEvent({
  subject: 'events.v1.registry.request.declined',
  description: 'An approver declined an installation request, with a reason.',
  data: requestData.extend({ declinedBy: z.string(), reason: z.string() }),
});

export const installationRequestExpired = defineEvent({
  subject: 'events.v1.registry.request.expired',
  description: 'Nobody decided on an installation request in time; it was declined automatically.',
  data: requestData.extend({ expiredAt: z.iso.datetime({ offset: true }) }),
});

export const installationRequestReminded = defineEvent({
  subject: 'events.v1.registry.request.reminded',
  description: 'An installation request still waits for an approver: a reminder to decide.',
  data: requestData.extend({ expiresAt: z.iso.datetime({ offset: true }) }),
});

const deployData = z.object({
  installationId: id,
  requestId: id.nullable(),
  catalogEntryId: id,
  gatewayIds: z.array(z.string()),
});

export const installationDeploying = defineEvent({
  subject: 'events.v1.registry.installation.deploying',
  description: 'An approved installation is being deployed: started once to discover its tools.',
  data: deployData,
});

export const installationReady = defineEvent({
  subject: 'events.v1.registry.installation.ready',
  description: 'An installation is deployed: its tools are stored and pinned, and its gateways serve it.',
  data: deployData.extend({
    tools: z.array(z.object({ name: z.string(), hash: z.string() })),
    prompts: z.number().int().min(0),
    resources: z.number().int().min(0),
  }),
});

export const installationFailed = defineEvent({
  subject: 'events.v1.registry.installation.failed',
  description: 'Deploying an installation failed after its last attempt; the reason is on the installation.',
  data: deployData.extend({ reason: z.string(), attempts: z.number().int().min(1) }),
});

export const INSTALLATION_REQUEST_EVENTS: readonly EventContract[] = [
  installationRequestCreated,
  installationRequestApproved,
  installationRequestDeclined,
  installationRequestExpired,
  installationRequestReminded,
  installationDeploying,
  installationReady,
  installationFailed,
];
