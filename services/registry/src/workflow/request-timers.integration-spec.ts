import type { RegistryCallerMessage } from '@portcullis/contracts';
import { organizationWithToken } from '../http/testing/identity-fixtures';
import { type RegistryHarness, startRegistry } from '../http/testing/registry-harness';
import { eventually, eventsOf, webhookReceiver } from '../requests/testing/workflow-fixtures';
import { jobId, WorkflowJob } from './workflow-jobs';
import { WorkflowQueue } from './workflow-queue';

describe('installation request timers (BullMQ delayed jobs on real Redis)', () => {
  let registry: RegistryHarness;
  let webhook: Awaited<ReturnType<typeof webhookReceiver>>;
  let admin: RegistryCallerMessage;
  let entryId: string;

  beforeAll(async () => {
    webhook = await webhookReceiver();
    registry = await startRegistry({
      REQUESTS_WEBHOOK_URL: webhook.url,
      REQUESTS_REMIND_AFTER_MS: '600',
      REQUESTS_EXPIRE_AFTER_MS: '2500',
      WORKFLOW_SWEEP_INTERVAL_MS: '1000',
    });
    ({ caller: admin } = await organizationWithToken(registry, 'initech'));
    entryId = (
      await registry.api('POST', '/api/v1/catalog', {
        caller: admin,
        body: {
          name: 'stapler',
          version: '1',
          userConfig: [{ name: 'KEY', secret: true }],
          server: { kind: 'local', command: 'stapler' },
        },
      })
    ).json.id;
  });
  afterAll(async () => {
    await registry?.stop();
    await webhook?.close();
  });

  it('should remind approvers once, then expire the request (declined automatically) and drop its credentials', async () => {
    const created = await registry.api('POST', '/api/v1/installation-requests', {
      caller: admin,
      body: { catalogEntryId: entryId, credentials: { KEY: 'secret-value' } },
    });
    expect(created.status).toBe(201);
    const id = created.json.id;

    const reminded = await eventually(
      'request.reminded',
      () => eventsOf(registry.events, 'events.v1.registry.request.reminded', id)[0],
    );
    expect(reminded).toMatchObject({ tenant: 'initech', actor: { type: 'system', id: 'registry' } });
    await eventually('the reminder webhook', () =>
      webhook.received.find((r) => r.body['type'] === 'installation-request.reminded'),
    );
    const view = await registry.api('GET', `/api/v1/installation-requests/${id}`, { caller: admin });
    expect(view.json).toMatchObject({ status: 'pending' });
    expect((view.json as unknown as { remindedAt: string | null }).remindedAt).not.toBeNull();

    await eventually('request.expired', () => eventsOf(registry.events, 'events.v1.registry.request.expired', id)[0]);
    const expired = await registry.api('GET', `/api/v1/installation-requests/${id}`, { caller: admin });
    expect(expired.json).toMatchObject({
      status: 'expired',
      decidedBy: 'system',
      credentialNames: [],
      installation: null,
    });
    expect(
      (await registry.api('POST', `/api/v1/installation-requests/${id}/approve`, { caller: admin, body: {} })).status,
    ).toBe(409);

    const queue = registry.running.app.get(WorkflowQueue).queue;
    expect(await (await queue.getJob(jobId(WorkflowJob.Expire, id)))?.getState()).toBe('completed');
    // The sweep runs every second and finds nothing more to do: one reminder, one expiry, one notification.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(eventsOf(registry.events, 'events.v1.registry.request.reminded', id)).toHaveLength(1);
    expect(eventsOf(registry.events, 'events.v1.registry.request.expired', id)).toHaveLength(1);
    expect(webhook.received.map((r) => r.body['type'])).toEqual([
      'installation-request.created',
      'installation-request.reminded',
    ]);
  });

  it('should schedule the timers of a request whose jobs Redis lost (the sweep re-creates them)', async () => {
    const other = (
      await registry.api('POST', '/api/v1/catalog', {
        caller: admin,
        body: { name: 'printer', version: '1', server: { kind: 'local', command: 'printer' } },
      })
    ).json.id;
    const created = await registry.api('POST', '/api/v1/installation-requests', {
      caller: admin,
      body: { catalogEntryId: other },
    });
    const id = created.json.id;
    const queue = registry.running.app.get(WorkflowQueue).queue;
    for (const name of [WorkflowJob.Remind, WorkflowJob.Expire]) await queue.remove(jobId(name, id));
    expect(await queue.getJob(jobId(WorkflowJob.Expire, id))).toBeUndefined();
    await eventually('the expire job again', () => queue.getJob(jobId(WorkflowJob.Expire, id)));
    await eventually('request.expired', () => eventsOf(registry.events, 'events.v1.registry.request.expired', id)[0]);
  });
});
