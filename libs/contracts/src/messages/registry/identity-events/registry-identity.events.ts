import * as z from 'zod';
import { defineEvent } from '../../../contract/define-contract';
import type { EventContract } from '../../../contract/contract.types';

const id = z.string().min(1).max(200);
const user = z.object({ userId: id, email: z.string(), name: z.string() });
const team = z.object({ teamId: id, name: z.string() });
const role = z.object({ role: z.string(), permissions: z.array(z.string()) });
const token = z.object({
  tokenId: id,
  name: z.string(),
  /** The non-secret start of the token (`pcl_ab12cd34`), to recognise it in lists. */
  prefix: z.string(),
  scope: z.object({ type: z.enum(['user', 'team', 'organization']), id }),
  expiresAt: z.iso.datetime().nullable(),
});

/** Every change an administrator makes to identities and access; never a secret, token or password hash. */
export const registryOrganizationCreated = defineEvent({
  subject: 'events.v1.registry.organization.created',
  description: 'An organisation (tenant) was created.',
  data: z.object({ organizationId: id, slug: z.string(), name: z.string() }),
});
export const registryOrganizationUpdated = defineEvent({
  subject: 'events.v1.registry.organization.updated',
  description: 'An organisation was renamed.',
  data: z.object({ organizationId: id, slug: z.string(), name: z.string() }),
});
export const registryUserCreated = defineEvent({
  subject: 'events.v1.registry.user.created',
  description: 'A user was created in an organisation.',
  data: user,
});
export const registryUserUpdated = defineEvent({
  subject: 'events.v1.registry.user.updated',
  description: 'A user was changed (name, password or disabled flag; the password itself is never in the event).',
  data: user.extend({ passwordChanged: z.boolean(), disabled: z.boolean() }),
});
export const registryUserDeleted = defineEvent({
  subject: 'events.v1.registry.user.deleted',
  description: 'A user was deleted with their sessions, tokens and memberships.',
  data: user,
});
export const registrySessionCreated = defineEvent({
  subject: 'events.v1.registry.session.created',
  description: 'A user signed in to the console.',
  data: z.object({ sessionId: id, userId: id, expiresAt: z.iso.datetime() }),
});
export const registrySessionRevoked = defineEvent({
  subject: 'events.v1.registry.session.revoked',
  description: 'A console session ended (logout).',
  data: z.object({ sessionId: id, userId: id }),
});
export const registryTeamCreated = defineEvent({
  subject: 'events.v1.registry.team.created',
  description: 'A team was created.',
  data: team,
});
export const registryTeamUpdated = defineEvent({
  subject: 'events.v1.registry.team.updated',
  description: 'A team was renamed or described.',
  data: team,
});
export const registryTeamDeleted = defineEvent({
  subject: 'events.v1.registry.team.deleted',
  description: 'A team was deleted.',
  data: team,
});
export const registryTeamMemberAdded = defineEvent({
  subject: 'events.v1.registry.team-member.added',
  description: 'A user joined a team.',
  data: z.object({ teamId: id, userId: id }),
});
export const registryTeamMemberRemoved = defineEvent({
  subject: 'events.v1.registry.team-member.removed',
  description: 'A user left a team.',
  data: z.object({ teamId: id, userId: id }),
});
export const registryRoleCreated = defineEvent({
  subject: 'events.v1.registry.role.created',
  description: 'A custom role was created.',
  data: role,
});
export const registryRoleUpdated = defineEvent({
  subject: 'events.v1.registry.role.updated',
  description: "A custom role's permissions changed.",
  data: role,
});
export const registryRoleDeleted = defineEvent({
  subject: 'events.v1.registry.role.deleted',
  description: 'A custom role was deleted (and unassigned from everyone).',
  data: role,
});
export const registryRoleAssignmentCreated = defineEvent({
  subject: 'events.v1.registry.role-assignment.created',
  description: 'A role was assigned to a user.',
  data: z.object({ userId: id, role: z.string() }),
});
export const registryRoleAssignmentDeleted = defineEvent({
  subject: 'events.v1.registry.role-assignment.deleted',
  description: 'A role was taken from a user.',
  data: z.object({ userId: id, role: z.string() }),
});
export const registryTokenCreated = defineEvent({
  subject: 'events.v1.registry.token.created',
  description: 'An API token was created (the event never holds the token).',
  data: token,
});
export const registryTokenRevoked = defineEvent({
  subject: 'events.v1.registry.token.revoked',
  description: 'An API token was revoked; gateways drop it from their caches at once.',
  data: token,
});

export const REGISTRY_IDENTITY_EVENTS: readonly EventContract[] = [
  registryOrganizationCreated,
  registryOrganizationUpdated,
  registryUserCreated,
  registryUserUpdated,
  registryUserDeleted,
  registrySessionCreated,
  registrySessionRevoked,
  registryTeamCreated,
  registryTeamUpdated,
  registryTeamDeleted,
  registryTeamMemberAdded,
  registryTeamMemberRemoved,
  registryRoleCreated,
  registryRoleUpdated,
  registryRoleDeleted,
  registryRoleAssignmentCreated,
  registryRoleAssignmentDeleted,
  registryTokenCreated,
  registryTokenRevoked,
];
