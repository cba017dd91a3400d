import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { context, trace } from '@opentelemetry/api';
import { PLATFORM_TENANT, type RequestOf, serviceStarted, systemPing } from '@portcullis/contracts';
import { Metrics, startTracing } from '@portcullis/observability';
import { testInfra, uniqueId } from '@portcullis/testing';
import { connect, headers, type NatsConnection } from 'nats';
import pino from 'pino';
import { BusConnection } from './bus-connection';
import type { BusHandlerContext } from './bus-handler-context';
import { BusHandler } from './bus-handler.decorator';
import { BusRequestError } from './bus-request.error';
import { BusClient } from './bus.client';
import { BusServer } from './bus.server';
import { callerScope } from './caller-scope';
import { EventPublisher } from './event-publisher';
import { ensureEventsStream } from './events-stream';

const log = pino({ level: 'silent' });
const seen: { instance: string; request: RequestOf<typeof systemPing> }[] = [];

function pingHandlerFor(instance: string) {
  @Controller()
  class PingHandler {
    @BusHandler(systemPing)
    ping(@Payload() request: RequestOf<typeof systemPing>, @Ctx() ctx: BusHandlerContext) {
      seen.push({ instance, request });
      if (request.payload === 'explode') throw new Error('secret internal detail');
      if (request.payload === 'bad-response') return { service: 'x' };
      return {
        service: 'svc',
        instanceId: instance,
        receivedAt: new Date().toISOString(),
        traceId: ctx.traceId,
        tenant: ctx.caller?.tenant ?? null,
        actor: ctx.caller?.actor ?? null,
        payload: request.payload,
      };
    }
  }
  @Module({ controllers: [PingHandler] })
  class PingModule {}
  return PingModule;
}

describe('bus (real NATS)', () => {
  const id = uniqueId();
  const options = (instanceId: string) => ({
    service: 'svc',
    instanceId,
    servers: testInfra().natsUrl,
    prefix: `${id}.`,
    eventsStream: `EVENTS_${id}`,
    eventsMaxAgeHours: 1,
  });
  const metrics = new Metrics('svc', '0.0.0', 'test');
  let stopTracing: () => Promise<void>;
  let buses: BusConnection[];
  let apps: INestMicroservice[];
  let client: BusClient;
  let raw: NatsConnection;

  beforeAll(async () => {
    stopTracing = startTracing({ service: 'test', version: '0', instanceId: 'test' });
    buses = ['a', 'b', 'client'].map((name) => new BusConnection(options(name), log));
    await Promise.all(buses.map((b) => b.ready()));
    apps = await Promise.all(
      ['a', 'b'].map(async (name, i) => {
        const app = await NestFactory.createMicroservice(pingHandlerFor(name), {
          strategy: new BusServer(buses[i], metrics, log),
          logger: false,
        });
        await app.listen();
        return app;
      }),
    );
    client = new BusClient(buses[2], metrics);
    raw = await connect({ servers: testInfra().natsUrl });
    await raw.flush();
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    const jsm = await raw.jetstreamManager();
    await jsm.streams.delete(`EVENTS_${id}`).catch(() => undefined);
    await raw.close();
    await Promise.all(buses.map((b) => b.drain()));
    await stopTracing();
  });

  beforeEach(() => (seen.length = 0));

  it('should answer a typed request with the trace id and caller that rode in the headers', async () => {
    const span = trace.getTracer('test').startSpan('caller');
    const reply = await context.with(trace.setSpan(context.active(), span), () =>
      callerScope.run({ tenant: 'acme', actor: 'user:ada' }, () =>
        client.request(systemPing, { sentAt: new Date().toISOString(), payload: 'hi' }, { to: 'svc' }),
      ),
    );
    span.end();
    expect(reply).toMatchObject({ service: 'svc', payload: 'hi', tenant: 'acme', actor: 'user:ada' });
    expect(reply.traceId).toBe(span.spanContext().traceId);
  });

  it('should spread requests over the queue group, each answered exactly once', async () => {
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.request(systemPing, { sentAt: new Date().toISOString(), payload: `n${i}` }, { to: 'svc' }),
      ),
    );
    expect(replies.map((r) => r.payload).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`).sort());
    expect(seen).toHaveLength(40);
    expect(new Set(seen.map((s) => s.instance))).toEqual(new Set(['a', 'b']));
  });

  it('should answer a malformed message with MALFORMED_MESSAGE and never call the handler', async () => {
    const reply = await raw.request(`${id}.system.v1.ping.svc`, new TextEncoder().encode('{not json'), {
      timeout: 2_000,
    });
    expect(JSON.parse(reply.string())).toMatchObject({ ok: false, error: { code: 'MALFORMED_MESSAGE' } });
    expect(seen).toHaveLength(0);
  });

  it('should answer an invalid payload with the failing fields and never call the handler', async () => {
    const h = headers();
    h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const reply = await raw.request(`${id}.system.v1.ping.svc`, new TextEncoder().encode('{"payload":42,"extra":1}'), {
      timeout: 2_000,
      headers: h,
    });
    const body = JSON.parse(reply.string()) as { ok: boolean; error: { code: string; issues: { path: string }[] } };
    expect(body).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(body.error.issues.map((i: { path: string }) => i.path)).toEqual(
      expect.arrayContaining(['sentAt', 'payload']),
    );
    expect(seen).toHaveLength(0);
  });

  it('should refuse to send a payload that breaks the contract', async () => {
    await expect(client.request(systemPing, { sentAt: 'yesterday' }, { to: 'svc' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      issues: [expect.objectContaining({ path: 'sentAt' })],
    });
  });

  it('should mask handler internals and reject a response that breaks the contract', async () => {
    const thrown = await client
      .request(systemPing, { sentAt: new Date().toISOString(), payload: 'explode' }, { to: 'svc' })
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(BusRequestError);
    expect(thrown).toMatchObject({ code: 'HANDLER_FAILED' });
    expect((thrown as Error).message).not.toContain('secret');
    await expect(
      client.request(systemPing, { sentAt: new Date().toISOString(), payload: 'bad-response' }, { to: 'svc' }),
    ).rejects.toMatchObject({ code: 'HANDLER_FAILED' });
  });

  it('should say NO_RESPONDERS when nobody serves the subject', async () => {
    await expect(
      client.request(systemPing, { sentAt: new Date().toISOString() }, { to: 'nobody' }),
    ).rejects.toMatchObject({
      code: 'NO_RESPONDERS',
    });
  });

  it('should publish events with acknowledgement, storing a retried event id once', async () => {
    const publisher = new EventPublisher(buses[2], metrics);
    const data = { service: 'svc', instanceId: 'a', version: '0', pid: 1, startupMs: 1 };
    const envelope = await publisher.publish(serviceStarted, data, {
      tenant: PLATFORM_TENANT,
      actor: { type: 'service', id: 'svc' },
    });
    expect(envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    const js = raw.jetstream();
    const again = await js.publish(
      `${id}.${serviceStarted.subject}`,
      new TextEncoder().encode(JSON.stringify(envelope)),
      { msgID: envelope.id },
    );
    expect(again.duplicate).toBe(true);
    const jsm = await raw.jetstreamManager();
    const info = await jsm.streams.info(`EVENTS_${id}`);
    expect(info.state.messages).toBe(1);
    const stored = await jsm.streams.getMessage(`EVENTS_${id}`, { seq: info.state.last_seq });
    expect(stored.json()).toMatchObject({
      id: envelope.id,
      type: serviceStarted.subject,
      tenant: PLATFORM_TENANT,
      data,
    });
    await expect(
      publisher.publish(
        serviceStarted,
        { ...data, pid: -5 },
        { tenant: PLATFORM_TENANT, actor: { type: 'service', id: 'svc' } },
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('should create the stream idempotently when many replicas start at once', async () => {
    const name = `EVENTS_${id}_race`;
    const jsm = await raw.jetstreamManager();
    await Promise.all(Array.from({ length: 6 }, () => ensureEventsStream(jsm, name, `${id}r.`, 1)));
    const info = await jsm.streams.info(name);
    expect(info.config.subjects).toEqual([`${id}r.events.v1.>`]);
    // A service with another prefix must not take the stream over.
    await expect(ensureEventsStream(jsm, name, `${id}other.`, 1)).rejects.toThrow(/give it its own EVENTS_STREAM/);
    expect((await jsm.streams.info(name)).config.subjects).toEqual([`${id}r.events.v1.>`]);
    await jsm.streams.delete(name);
  });
});
