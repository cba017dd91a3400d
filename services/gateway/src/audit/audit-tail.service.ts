import { type BeforeApplicationShutdown, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { EVENTS_SUBJECT_FILTER, type EventEnvelope } from '@portcullis/contracts';
import { BusConnection } from '@portcullis/messaging';
import { LOGGER } from '@portcullis/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { type ConsumerMessages, DeliverPolicy } from 'nats';
import type { Logger } from 'pino';
import { filterOf, type TailEventsQuery } from './audit-query.dto';
import { matchesTail } from './audit-tail';
import { drained } from './write-stream';

/** An SSE comment this often keeps proxies from closing a quiet tail and shows the client it is alive. */
export const TAIL_HEARTBEAT_MS = 15_000;

/** How long attaching to the stream may take before the client gets a 503 instead of waiting. */
const ATTACH_TIMEOUT_MS = 5_000;

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from the stream within ${ms} ms`)), ms);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/**
 * The live tail: each client gets its own ordered consumer on the events stream, starting at "now", narrowed to
 * the event type when one is given; the gateway drops events of other tenants and those the filter does not
 * match. The consumer is pulled only as fast as the client reads. Closing the connection (or the gateway
 * shutting down) stops the consumer.
 */
@Injectable()
export class AuditTail implements BeforeApplicationShutdown {
  private readonly tails = new Set<() => void>();

  constructor(
    private readonly bus: BusConnection,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  beforeApplicationShutdown(): void {
    for (const close of [...this.tails]) close();
  }

  async open(query: TailEventsQuery, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const tenant = request.caller!.tenant;
    const filter = filterOf(query);
    const js = this.bus.jetstream();
    if (!js) throw new ServiceUnavailableException('The event stream is not reachable.');
    const { prefix, eventsStream } = this.bus.options;
    let messages: ConsumerMessages;
    try {
      const consumer = await js.consumers.get(eventsStream, {
        // One subject as a string: a list needs NATS 2.10 (filter_subjects), and 2.9 never answers it.
        filterSubjects: `${prefix}${filter.type ?? EVENTS_SUBJECT_FILTER}`,
        deliver_policy: DeliverPolicy.New,
      });
      const attaching = consumer.consume({ max_messages: 256 });
      // Should it attach after all, after the client was told 503, nobody reads it: close it then.
      attaching.catch(() => undefined);
      messages = await withTimeout(attaching, ATTACH_TIMEOUT_MS).catch((error: unknown) => {
        void attaching.then((late) => late.close()).catch(() => undefined);
        throw error;
      });
    } catch (error) {
      this.log.warn({ err: error }, 'audit tail could not attach to the events stream');
      throw new ServiceUnavailableException('The event stream is not reachable.');
    }
    const raw = reply.hijack().raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    raw.write(': tailing audit events\n\n');
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), TAIL_HEARTBEAT_MS);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      this.tails.delete(close);
      clearInterval(heartbeat);
      void messages.close();
      if (!raw.writableEnded) raw.end();
    };
    this.tails.add(close);
    raw.on('close', close);
    void this.pump(messages, raw, tenant, filter).finally(close);
  }

  private async pump(
    messages: ConsumerMessages,
    raw: ServerResponse,
    tenant: string,
    filter: ReturnType<typeof filterOf>,
  ): Promise<void> {
    try {
      for await (const msg of messages) {
        let envelope: EventEnvelope;
        try {
          envelope = msg.json<EventEnvelope>();
        } catch {
          continue; // not an envelope: audit dead-letters it; analysts see only events
        }
        if (!matchesTail(envelope, tenant, filter)) continue;
        raw.write(`id: ${envelope.id}\ndata: ${JSON.stringify(envelope)}\n\n`);
        await drained(raw);
        if (raw.destroyed) return;
      }
    } catch (error) {
      this.log.warn({ err: error }, 'audit tail stopped');
    }
  }
}
