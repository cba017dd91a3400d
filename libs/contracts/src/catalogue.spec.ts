import { v7 } from 'uuid';
import { CATALOGUE, EVENTS, REQUESTS } from './catalogue';
import { defineEvent, defineRequest } from './contract/define-contract';
import { eventEnvelopeSchema, PLATFORM_TENANT } from './contract/event-envelope';
import { catalogueJsonSchemas } from './json-schema/catalogue-json-schemas';
import { serviceStarted } from './messages/system/service-started/service-started.event';
import * as z from 'zod';

describe('contract catalogue', () => {
  it('should give every subject exactly once', () => {
    const subjects = CATALOGUE.map((c) => c.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it('should carry a version segment in every subject', () => {
    for (const contract of CATALOGUE) expect(contract.subject).toMatch(/\.v\d+\./);
  });

  it('should refuse unversioned subjects', () => {
    const shape = { description: 'x', request: z.object({}), response: z.object({}) };
    expect(() => defineRequest({ subject: 'guard.evaluate', ...shape })).toThrow(/version|v<N>/);
    expect(() => defineEvent({ subject: 'events.mcp.call', description: 'x', data: z.object({}) })).toThrow();
  });

  it('should accept a well-formed envelope and name every bad field of a broken one', () => {
    const schema = eventEnvelopeSchema(serviceStarted.subject, serviceStarted.data);
    const good = {
      id: v7(),
      type: serviceStarted.subject,
      occurredAt: new Date().toISOString(),
      tenant: PLATFORM_TENANT,
      actor: { type: 'service', id: 'gateway' },
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      data: { service: 'gateway', instanceId: 'a', version: '0.1.0', pid: 1, startupMs: 10 },
    };
    expect(schema.safeParse(good).success).toBe(true);
    const bad = schema.safeParse({ ...good, id: 'not-a-uuid', data: { ...good.data, pid: -1 } });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['id', 'data.pid']));
  });

  it('should produce a JSON Schema for every event and both sides of every request', () => {
    const files = catalogueJsonSchemas();
    expect(files).toHaveLength(EVENTS.length + 2 * REQUESTS.length);
    const started = files.find((f) => f.path === `events/${serviceStarted.subject}.schema.json`);
    expect(started?.schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: expect.arrayContaining([
        'id',
        'type',
        'occurredAt',
        'tenant',
        'actor',
        'traceparent',
        'data',
      ]) as string[],
    });
  });
});
