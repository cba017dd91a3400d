import type { RegistryCallerMessage } from '@portcullis/contracts';
import { platformAdmin, type RegistryHarness } from './registry-harness';

/**
 * A new organisation with an admin user, and the caller of an organisation-wide token with the given roles, as the
 * registry resolves it for the gateway (so tests act exactly as such a token would).
 */
export async function organizationWithToken(
  registry: RegistryHarness,
  slug: string,
  roles: string[] = ['admin'],
): Promise<{ organizationId: string; caller: RegistryCallerMessage; token: string }> {
  const org = await registry.api('POST', '/api/v1/organizations', {
    caller: platformAdmin(),
    body: { slug, name: `Org ${slug}` },
  });
  if (org.status !== 201) throw new Error(`organisation ${slug}: ${org.status} ${org.body}`);
  const bootstrap = platformAdmin(slug);
  const issued = await registry.api('POST', '/api/v1/tokens', {
    caller: bootstrap,
    body: { name: `${slug} ${roles.join('+')}`, scope: { type: 'organization' }, roles },
  });
  if (issued.status !== 201) throw new Error(`token in ${slug}: ${issued.status} ${issued.body}`);
  return { organizationId: org.json.id, caller: await callerOf(registry, issued.json.token), token: issued.json.token };
}

export async function callerOf(registry: RegistryHarness, token: string): Promise<RegistryCallerMessage> {
  const verdict = await registry.verify(token);
  if (!verdict.valid) throw new Error(`token refused: ${verdict.reason}`);
  return verdict.caller;
}
