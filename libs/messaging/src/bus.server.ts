import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { REQUESTS, type RequestContract } from '@portcullis/contracts';
import { currentTraceId, type Metrics } from '@portcullis/observability';
import type { MessageHandler } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { isObservable, lastValueFrom } from 'rxjs';
import type { BusConnection } from './bus-connection';
import { BusHandlerError } from './bus-request.error';
import type { BusHandlerContext } from './bus-handler-context';
import { callerScope } from './caller-scope';
import { incomingContext } from './trace-headers';
import { decodeJson, encodeJson, errorReply, issuesOf } from './wire';

const tracer = trace.getTracer('portcullis-bus');

/**
 * Nest transport for the bus: each `@BusHandler` becomes a queue-group subscription (one replica of the
 * service answers each request), requests and replies are checked against the contract on both sides,
 * and trace context, tenant and actor come from the message headers.
 */
export class BusServer extends Server implements CustomTransportStrategy {
  private readonly subscriptions: Subscription[] = [];
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(
    private readonly bus: BusConnection,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    super();
  }

  listen(callback: (...optionalParams: unknown[]) => void): void {
    const bindings = [...this.messageHandlers.keys()].map((pattern) => {
      const contract = REQUESTS.find((c) => c.subject === pattern);
      if (!contract) throw new Error(`@BusHandler for "${pattern}", which is not in the contract catalogue`);
      return contract;
    });
    // Subscriptions are made once; nats.js carries them over every reconnect.
    let subscribed = false;
    this.bus.onConnected((nc) => {
      if (subscribed) return;
      subscribed = true;
      for (const contract of bindings) this.subscribe(nc, contract);
    });
    callback();
  }

  /** Stops taking requests and waits for the ones being handled to be answered. */
  async close(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => undefined)));
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  on(): never {
    throw new Error('BusServer has no events to listen to');
  }

  unwrap<T>(): T {
    return this.bus.connection as T;
  }

  private subscribe(nc: NatsConnection, contract: RequestContract): void {
    const { prefix, service, instanceId } = this.bus.options;
    const token = contract.routeBy === 'instance' ? instanceId : service;
    const subject = `${prefix}${contract.subject}${contract.routed ? `.${token}` : ''}`;
    const queue = `${prefix}${service}`;
    // Resolved once: Nest normalises the pattern on every lookup, which showed in the bus benchmark's profile.
    const handler = this.getHandlerByPattern(contract.subject);
    if (!handler) throw new Error(`no handler registered for ${contract.subject}`);
    this.subscriptions.push(
      nc.subscribe(subject, { queue, callback: (_err, msg) => void this.handle(contract, handler, msg) }),
    );
    this.log.debug({ subject, queue }, 'bus handler subscribed');
  }

  private async handle(contract: RequestContract, handler: MessageHandler, msg: Msg): Promise<void> {
    this.inFlight++;
    const started = process.hrtime.bigint();
    const { ctx, scope } = incomingContext(msg.headers);
    const span = tracer.startSpan(
      `${contract.subject} process`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'process',
          'messaging.destination.name': msg.subject,
        },
      },
      ctx,
    );
    let outcome = 'ok';
    try {
      outcome = await context.with(trace.setSpan(ctx, span), () =>
        scope
          ? callerScope.run(scope, () => this.process(contract, handler, msg, scope))
          : this.process(contract, handler, msg, scope),
      );
    } finally {
      if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.busRequests.inc({ subject: contract.subject, outcome });
      this.metrics.busDuration.observe({ subject: contract.subject, outcome }, seconds);
      if (--this.inFlight === 0 && this.idle) this.idle();
    }
  }

  /** Answers the message; returns the outcome label for metrics. */
  private async process(
    contract: RequestContract,
    handler: MessageHandler,
    msg: Msg,
    caller: BusHandlerContext['caller'],
  ): Promise<string> {
    const body = decodeJson(msg.data);
    if (body === undefined) {
      this.log.warn({ subject: msg.subject }, 'malformed bus message (not JSON) refused');
      msg.respond(errorReply('MALFORMED_MESSAGE', 'message body is not valid JSON'));
      return 'malformed';
    }
    const parsed = contract.request.safeParse(body);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      this.log.warn({ subject: msg.subject, issues }, 'bus request failed validation; handler not called');
      msg.respond(errorReply('VALIDATION_FAILED', `request does not match ${contract.subject}`, issues));
      return 'invalid';
    }
    const handlerContext: BusHandlerContext = { subject: msg.subject, caller, traceId: currentTraceId() };
    let result: unknown;
    try {
      const produced: unknown = await handler(parsed.data, handlerContext);
      result = isObservable(produced) ? await lastValueFrom(produced) : produced;
    } catch (error) {
      const safe = error instanceof BusHandlerError;
      this.log.error({ err: error, subject: msg.subject }, 'bus handler failed');
      msg.respond(errorReply('HANDLER_FAILED', safe ? error.message : 'the handler failed; see its logs'));
      return 'error';
    }
    const response = contract.response.safeParse(result);
    if (!response.success) {
      this.log.error(
        { subject: msg.subject, issues: issuesOf(response.error) },
        'handler returned an invalid response',
      );
      msg.respond(errorReply('HANDLER_FAILED', `the handler's response does not match ${contract.subject}`));
      return 'error';
    }
    msg.respond(encodeJson({ ok: true, data: response.data }));
    return 'ok';
  }
}
