import { installationRequestApproved } from '@portcullis/contracts';
import { testInfra } from '@portcullis/testing';
import type { RegistryCallerMessage } from '@portcullis/contracts';
import { callerOf, organizationWithToken } from '../http/testing/identity-fixtures';
import { type ApiJson, platformAdmin, type RegistryHarness, startRegistry } from '../http/testing/registry-harness';
import { toolDefinitionHash } from '../tools/tool-hash';
import { jobId, WorkflowJob } from '../workflow/workflow-jobs';
import { WorkflowQueue } from '../workflow/workflow-queue';
import { discoverResponder, eventually, eventsOf, webhookReceiver } from './testing/workflow-fixtures';

const SECRET = 'sk-live-9d8c7b6a-REQUEST-SECRET';

/** The fields of requests and installations these tests read (the harness types the identity resources). */
interface WorkflowJson {
  catalogEntryId: string;
  status: string;
  statusReason: string | null;
  installation: { id: string; status: string; statusReason: string | null };
}
const read = (answer: { json: unknown }) => answer.json as WorkflowJson;

const SEARCH = {
  name: 'search',
  description: 'Searches the tickets',
  inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  annotations: { readOnlyHint: true },
};
const CREATE = {
  name: 'create_ticket',
  description: 'Opens a ticket',
  inputSchema: { type: 'object', properties: { title: { type: 'string' } } },
  outputSchema: { type: 'object', properties: { id: { type: 'string' } } },
};

const ticketsEntry = {
  name: 'tickets',
  version: '1.0.0',
  userConfig: [
    { name: 'API_KEY', secret: true, required: true },
    { name: 'REGION', required: true, choices: ['eu', 'us'] },
  ],
  server: {
    kind: 'local',
    command: 'tickets-mcp',
    args: ['--region={REGION}'],
    env: [{ name: 'TICKETS_API_KEY', value: '{API_KEY}' }],
  },
};

describe('installation requests (real Postgres, Redis/BullMQ, NATS; registry started as main.ts does)', () => {
  const infra = testInfra();
  let registry: RegistryHarness;
  let responder: Awaited<ReturnType<typeof discoverResponder>>;
  let webhook: Awaited<ReturnType<typeof webhookReceiver>>;
  let admin: RegistryCallerMessage;
  let member: RegistryCallerMessage;
  let approverOnly: RegistryCallerMessage;
  let globex: RegistryCallerMessage;
  let entryId: string;
  let gatewayId: string;

  const api = (caller: RegistryCallerMessage, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
    registry.api(method, url, { caller, body });

  beforeAll(async () => {
    webhook = await webhookReceiver(1);
    registry = await startRegistry({
      REQUESTS_WEBHOOK_URL: webhook.url,
      DEPLOY_ATTEMPTS: '3',
      DEPLOY_BACKOFF_MS: '200',
      WORKFLOW_LOCK_MS: '2000',
      WORKFLOW_SWEEP_INTERVAL_MS: '1000',
    });
    responder = await discoverResponder(infra.natsUrl, registry.prefix, (request, call) => {
      const runtime = request.server.runtime;
      if (runtime.type !== 'local') return new Error('unexpected remote server');
      if (runtime.command === 'tickets-mcp') return [SEARCH, CREATE];
      if (runtime.command === 'flaky-mcp') return call < 2 ? new Error('flaky-mcp did not start: exit 1') : [SEARCH];
      if (runtime.command === 'broken-mcp') return new Error('broken-mcp did not start: command not found');
      return [];
    });
    ({ caller: admin } = await organizationWithToken(registry, 'acme'));
    ({ caller: globex } = await organizationWithToken(registry, 'globex'));
    const token = async (roles: string[]) => {
      const issued = await registry.api('POST', '/api/v1/tokens', {
        caller: platformAdmin('acme'),
        body: { name: roles.join('+'), scope: { type: 'organization' }, roles },
      });
      return callerOf(registry, issued.json.token);
    };
    member = await token(['member']);
    const role = await api(admin, 'POST', '/api/v1/roles', {
      name: 'approver',
      permissions: ['requests:approve', 'requests:read'],
    });
    expect(role.status).toBe(201);
    approverOnly = await token(['approver']);
    entryId = (await api(admin, 'POST', '/api/v1/catalog', ticketsEntry)).json.id;
    gatewayId = (await api(admin, 'POST', '/api/v1/gateways', { name: 'Support' })).json.id;
  });

  afterAll(async () => {
    await responder?.close();
    await registry?.stop();
    await webhook?.close();
  });

  const request = (body: Record<string, unknown>, caller = member) =>
    api(caller, 'POST', '/api/v1/installation-requests', {
      catalogEntryId: entryId,
      configuration: { REGION: 'eu' },
      credentials: { API_KEY: SECRET },
      ...body,
    });
  const installationOf = (requestId: string) => api(admin, 'GET', `/api/v1/installation-requests/${requestId}`);

  it('should let a member request, notify approvers, refuse the member as approver, and deploy on approval', async () => {
    const created = await request({ gatewayIds: [gatewayId], note: 'for the support team' });
    expect(created.status).toBe(201);
    expect(created.body).not.toContain(SECRET);
    const pending = created.json as ApiJson & Record<string, unknown>;
    expect(pending).toMatchObject({
      status: 'pending',
      catalogEntryId: entryId,
      serverName: 'tickets',
      customServer: null,
      scope: 'organization',
      configuration: { REGION: 'eu' },
      credentialNames: ['API_KEY'],
      gatewayIds: [gatewayId],
      note: 'for the support team',
      installation: null,
      decidedBy: null,
    });
    const id = pending.id;

    // Approvers hear of it: an event, and the webhook (its first delivery fails and is retried).
    await eventually('request.created', () => eventsOf(registry.events, 'events.v1.registry.request.created', id)[0]);
    const hook = await eventually('the webhook', () =>
      webhook.received.find((r) => JSON.stringify(r.body).includes(id)),
    );
    expect(webhook.failures()).toBe(1);
    expect(hook.headers['idempotency-key']).toBe(`installation-request.created:${id}`);
    expect(hook.body).toMatchObject({
      type: 'installation-request.created',
      organization: 'acme',
      request: { id, serverName: 'tickets', custom: false, note: 'for the support team' },
    });
    expect(JSON.stringify(hook.body)).not.toContain(SECRET);

    expect((await api(member, 'POST', `/api/v1/installation-requests/${id}/approve`, {})).status).toBe(403);
    expect((await api(globex, 'GET', `/api/v1/installation-requests/${id}`)).status).toBe(404);
    expect((await api(globex, 'POST', `/api/v1/installation-requests/${id}/approve`, {})).status).toBe(404);
    expect((await api(globex, 'GET', '/api/v1/installation-requests')).json).toEqual({ items: [], nextCursor: null });
    const listed = await api(member, 'GET', '/api/v1/installation-requests?status=pending');
    expect(listed.json.items.map((r) => r.id)).toContain(id);

    const approved = await api(admin, 'POST', `/api/v1/installation-requests/${id}/approve`, { note: 'ok' });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ status: 'approved', decisionReason: 'ok', decidedBy: admin.actor });
    const installationId = read(approved).installation.id;

    const ready = await eventually('installation ready', async () => {
      const view = await installationOf(id);
      const installation = read(view).installation;
      return installation.status === 'ready' ? view : undefined;
    });
    expect(ready.json).toMatchObject({ installation: { id: installationId, status: 'ready', statusReason: null } });
    const installation = await api(admin, 'GET', `/api/v1/installations/${installationId}`);
    expect(installation.json).toMatchObject({ status: 'ready', catalogEntryId: entryId, scope: 'organization' });

    // The orchestrator got the runtime with the configuration and the decrypted credential filled in.
    const asked = responder.requests.filter(
      (r) => r.server.runtime.type === 'local' && r.server.runtime.command === 'tickets-mcp',
    );
    expect(asked).toHaveLength(1);
    expect(asked[0].server).toMatchObject({
      id: 'tickets',
      runtime: { type: 'local', args: ['--region=eu'], env: { TICKETS_API_KEY: SECRET } },
    });

    const tools = await api(member, 'GET', `/api/v1/installations/${installationId}/tools`);
    expect(tools.status).toBe(200);
    expect(tools.json).toEqual({
      items: [
        expect.objectContaining({
          name: 'create_ticket',
          description: 'Opens a ticket',
          outputSchema: CREATE.outputSchema,
          hash: toolDefinitionHash(CREATE),
          approvedHash: toolDefinitionHash(CREATE),
          status: 'approved',
          approvedBy: admin.actor,
        }),
        expect.objectContaining({
          name: 'search',
          hash: toolDefinitionHash(SEARCH),
          annotations: { readOnlyHint: true },
        }),
      ],
      nextCursor: null,
    });
    const paged = await api(member, 'GET', `/api/v1/installations/${installationId}/tools?limit=1`);
    expect(paged.json.items.map((t) => t.name)).toEqual(['create_ticket']);
    const second = await api(
      member,
      'GET',
      `/api/v1/installations/${installationId}/tools?limit=1&cursor=${paged.json.nextCursor}`,
    );
    expect(second.json).toMatchObject({ items: [{ name: 'search' }], nextCursor: null });
    expect((await api(globex, 'GET', `/api/v1/installations/${installationId}/tools`)).status).toBe(404);

    expect(
      await registry.running.parts.database!.dataSource.query(
        `SELECT gateway_id FROM "registry_${registry.prefix.slice(0, -1)}".gateway_servers WHERE installation_id = $1`,
        [installationId],
      ),
    ).toEqual([{ gateway_id: gatewayId }]);

    const job = await registry.running.app.get(WorkflowQueue).queue.getJob(jobId(WorkflowJob.Deploy, installationId));
    expect(await job?.getState()).toBe('completed');
    expect(job?.returnvalue).toBe('ready');

    // Each lifecycle event exactly once (the sweep re-checks every second; nothing runs twice).
    await eventually(
      'installation.ready',
      () => eventsOf(registry.events, 'events.v1.registry.installation.ready', installationId)[0],
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const counts = [
      'events.v1.registry.request.created',
      'events.v1.registry.request.approved',
      'events.v1.registry.installation.created',
      'events.v1.registry.installation.deploying',
      'events.v1.registry.installation.ready',
    ].map((type) => eventsOf(registry.events, type, type.includes('request.') ? id : installationId).length);
    expect(counts).toEqual([1, 1, 1, 1, 1]);
    const readyEvent = eventsOf(registry.events, 'events.v1.registry.installation.ready', installationId)[0];
    expect(readyEvent).toMatchObject({
      tenant: 'acme',
      actor: { type: 'system', id: 'registry' },
      data: { requestId: id, gatewayIds: [gatewayId], tools: [{ name: 'search' }, { name: 'create_ticket' }] },
    });
    expect(eventsOf(registry.events, installationRequestApproved.subject, id)[0].actor).toEqual({
      type: 'token',
      id: admin.actor.slice('token:'.length),
    });
    expect(JSON.stringify(registry.events)).not.toContain(SECRET);

    // A decided request stays decided.
    expect((await api(admin, 'POST', `/api/v1/installation-requests/${id}/approve`, {})).status).toBe(409);
    expect((await request({})).status).toBe(409);
  });

  it('should decline with a reason, drop the credentials, and name bad input in a 400', async () => {
    const other = await api(admin, 'POST', '/api/v1/catalog', {
      ...ticketsEntry,
      name: 'tickets-b',
      server: { ...ticketsEntry.server, command: 'tickets-b' },
    });
    const created = await request({ catalogEntryId: other.json.id, scope: 'organization' });
    expect(created.status).toBe(201);
    const id = created.json.id;
    expect((await request({ catalogEntryId: other.json.id })).status).toBe(409);

    const noReason = await api(approverOnly, 'POST', `/api/v1/installation-requests/${id}/decline`, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.json.errors[0].field).toBe('body.reason');
    const declined = await api(approverOnly, 'POST', `/api/v1/installation-requests/${id}/decline`, {
      reason: 'use the shared tickets server',
    });
    expect(declined.status).toBe(200);
    expect(declined.json).toMatchObject({
      status: 'declined',
      decisionReason: 'use the shared tickets server',
      credentialNames: [],
      installation: null,
    });
    await eventually('request.declined', () => eventsOf(registry.events, 'events.v1.registry.request.declined', id)[0]);
    expect((await api(admin, 'POST', `/api/v1/installation-requests/${id}/approve`, {})).status).toBe(409);
    expect(
      (await api(admin, 'GET', '/api/v1/installation-requests?status=declined')).json.items.map((r) => r.id),
    ).toEqual([id]);

    const errors = async (body: Record<string, unknown>) => {
      const response = await request(body);
      expect(response.status).toBe(400);
      expect(response.body).not.toContain(SECRET);
      return response.json.errors.map((e) => e.field);
    };
    expect(await errors({ customServer: ticketsEntry })).toEqual(['body.catalogEntryId']);
    expect(await errors({ gatewayIds: ['0190a7a0-0000-7000-8000-000000000001'] })).toEqual(['body.gatewayIds.0']);
    expect(await errors({ configuration: { REGION: 'mars' } })).toEqual(['body.configuration.REGION']);
    expect(await errors({ credentials: {} })).toEqual(['body.credentials.API_KEY']);
    expect(await errors({ catalogEntryId: 'nope' })).toEqual(['body.catalogEntryId']);
    expect(await errors({ scope: 'team' })).toEqual(['body.subjectId']);
    expect((await api(member, 'POST', `/api/v1/installation-requests/${id}/decline`, { reason: 'x' })).status).toBe(
      403,
    );
    expect((await api(admin, 'GET', '/api/v1/installation-requests/not-a-uuid')).status).toBe(400);
  });

  it('should turn an approved custom server into a catalog entry, which needs catalog:write', async () => {
    const custom = {
      name: 'io.example/wiki',
      version: '0.3.0',
      description: 'The team wiki',
      userConfig: [{ name: 'TOKEN', secret: true, required: true }],
      server: { kind: 'local', command: 'flaky-mcp', env: [{ name: 'WIKI_TOKEN', value: '{TOKEN}' }] },
    };
    const created = await api(member, 'POST', '/api/v1/installation-requests', {
      customServer: custom,
      credentials: { TOKEN: SECRET },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      catalogEntryId: null,
      serverName: 'io.example/wiki',
      customServer: { name: 'io.example/wiki' },
    });
    const id = created.json.id;

    expect((await api(approverOnly, 'POST', `/api/v1/installation-requests/${id}/approve`, {})).status).toBe(403);
    const approved = await api(admin, 'POST', `/api/v1/installation-requests/${id}/approve`, {});
    expect(approved.status).toBe(200);
    const entryOfRequest = read(approved).catalogEntryId;
    const entry = await api(admin, 'GET', `/api/v1/catalog/${entryOfRequest}`);
    expect(entry.json).toMatchObject({ name: 'io.example/wiki', slug: 'wiki', version: '0.3.0' });

    // flaky-mcp fails its first discovery: the reason shows while it retries, then it is ready.
    const installationId = read(approved).installation.id;
    const reasons = new Set<string | null>();
    await eventually('custom installation ready', async () => {
      const view = read(await api(admin, 'GET', `/api/v1/installations/${installationId}`));
      reasons.add(view.statusReason);
      return view.status === 'ready';
    });
    expect([...reasons].some((r) => r?.startsWith('attempt 1 of 3 failed, retrying: flaky-mcp did not start'))).toBe(
      true,
    );
    expect((await api(admin, 'GET', `/api/v1/installations/${installationId}`)).json).toMatchObject({
      statusReason: null,
    });
    await eventually(
      'catalog.created',
      () => eventsOf(registry.events, 'events.v1.registry.catalog.created', entryOfRequest)[0],
    );
  });

  it('should mark a deploy failed with its reason after the last attempt, once', async () => {
    const broken = await api(admin, 'POST', '/api/v1/catalog', {
      name: 'broken',
      version: '1',
      server: { kind: 'local', command: 'broken-mcp' },
    });
    const created = await api(member, 'POST', '/api/v1/installation-requests', { catalogEntryId: broken.json.id });
    const approved = await api(admin, 'POST', `/api/v1/installation-requests/${created.json.id}/approve`, {});
    const installationId = read(approved).installation.id;
    const failed = await eventually('installation failed', async () => {
      const view = await api(admin, 'GET', `/api/v1/installations/${installationId}`);
      return read(view).status === 'failed' ? view : undefined;
    });
    expect(failed.json).toMatchObject({
      statusReason: expect.stringContaining('broken-mcp did not start: command not found') as unknown,
    });
    const job = await registry.running.app.get(WorkflowQueue).queue.getJob(jobId(WorkflowJob.Deploy, installationId));
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(3);
    expect(
      responder.requests.filter((r) => r.server.runtime.type === 'local' && r.server.runtime.command === 'broken-mcp'),
    ).toHaveLength(3);
    await eventually(
      'installation.failed',
      () => eventsOf(registry.events, 'events.v1.registry.installation.failed', installationId)[0],
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(eventsOf(registry.events, 'events.v1.registry.installation.failed', installationId)).toHaveLength(1);
    expect(eventsOf(registry.events, 'events.v1.registry.installation.failed', installationId)[0].data).toMatchObject({
      attempts: 3,
      reason: expect.stringContaining('command not found') as unknown,
    });
    expect((await api(admin, 'GET', `/api/v1/installations/${installationId}/tools`)).json).toEqual({
      items: [],
      nextCursor: null,
    });
  });
});
