import { BadRequestException } from '@nestjs/common';
import type { Queryable } from '../http/registry-db';
import type { RegistryCaller } from '../http/require-permission';

const badBody = (field: string, message: string) =>
  new BadRequestException({ message: `Invalid body: ${field} ${message}`, errors: [{ field, message }] });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whom the installation is for: the organisation, one of its teams, or one of its users (default: the requester). */
export async function requestSubject(
  db: Queryable,
  caller: RegistryCaller,
  scope: 'organization' | 'team' | 'user',
  subjectId: string | undefined,
): Promise<string> {
  if (scope === 'organization') {
    if (subjectId !== undefined && subjectId !== caller.tenant) {
      throw badBody('body.subjectId', 'must be omitted or be the organisation itself for scope organization');
    }
    return caller.tenant;
  }
  const subject = subjectId ?? (scope === 'user' && UUID.test(caller.actor) ? caller.actor : undefined);
  if (subject === undefined) throw badBody('body.subjectId', `is required for scope ${scope}`);
  const table = scope === 'team' ? 'teams' : 'users';
  const rows = await db.query(`SELECT 1 FROM ${table} WHERE organization_id = $1 AND id = $2`, [
    caller.tenant,
    subject,
  ]);
  if (rows.length === 0) throw badBody('body.subjectId', `is not a ${scope} of this organisation`);
  return subject;
}

/** The gateways named must be the organisation's; the 400 names each one that is not. */
export async function checkGateways(db: Queryable, organizationId: string, gatewayIds: readonly string[]) {
  if (gatewayIds.length === 0) return;
  const rows = await db.query<{ id: string }>(
    'SELECT id FROM gateways WHERE organization_id = $1 AND id = ANY($2::uuid[])',
    [organizationId, gatewayIds],
  );
  const found = new Set(rows.map((r) => r.id));
  const problems = gatewayIds
    .map((id, i) => ({ id, field: `body.gatewayIds.${i}` }))
    .filter(({ id }) => !found.has(id))
    .map(({ field }) => ({ field, message: 'is not a gateway of this organisation' }));
  if (problems.length > 0) {
    throw new BadRequestException({
      message: `Invalid body: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      errors: problems,
    });
  }
}
