import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { busReplySchema, type RequestContract, type RequestOf, type ResponseOf } from '@portcullis/contracts';
import type { Metrics } from '@portcullis/observability';
import { ErrorCode, NatsError } from 'nats';
import type { BusConnection } from './bus-connection';
import { BusRequestError } from './bus-request.error';
import { type CallerScope, callerScope } from './caller-scope';
import { outgoingHeaders } from './trace-headers';
import { decodeJson, encodeJson, issuesOf } from './wire';

const tracer = trace.getTracer('portcullis-bus');
const DEFAULT_TIMEOUT_MS = 5_000;

export interface RequestOptions {
  /** Routing token for `routed` contracts: the target service or instance. */
  to?: string;
  timeoutMs?: number;
  /** Defaults to the caller scope of the current request. */
  caller?: CallerScope;
}

/** Typed request/reply over NATS: validates what it sends and what comes back, and propagates trace context. */
export class BusClient {
  constructor(
    private readonly bus: BusConnection,
    private readonly metrics: Metrics,
  ) {}

  async request<C extends RequestContract>(
    contract: C,
    payload: RequestOf<C>,
    options: RequestOptions = {},
  ): Promise<ResponseOf<C>> {
    if (contract.routed && !options.to) throw new Error(`${contract.subject} is routed: pass options.to`);
    const subject = `${this.bus.options.prefix}${contract.subject}${contract.routed ? `.${options.to}` : ''}`;
    const checked = contract.request.safeParse(payload);
    if (!checked.success) {
      this.count(contract, 'invalid');
      throw new BusRequestError(
        'VALIDATION_FAILED',
        `request does not match ${contract.subject}`,
        subject,
        issuesOf(checked.error),
      );
    }
    const nc = this.bus.connection;
    if (!nc) {
      this.count(contract, 'unavailable');
      throw new BusRequestError('UNAVAILABLE', 'not connected to NATS', subject);
    }
    const span = tracer.startSpan(`${contract.subject} send`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': subject,
      },
    });
    const ctx = trace.setSpan(context.active(), span);
    try {
      const reply = await nc
        .request(subject, encodeJson(checked.data), {
          timeout: options.timeoutMs ?? this.bus.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
          headers: outgoingHeaders(options.caller ?? callerScope.current(), ctx),
        })
        .catch((error: unknown) => {
          throw this.transportError(error, subject);
        });
      const envelope = busReplySchema.safeParse(decodeJson(reply.data));
      if (!envelope.success) throw new BusRequestError('MALFORMED_MESSAGE', 'reply is not a bus reply', subject);
      if (!envelope.data.ok) {
        const { code, message, issues } = envelope.data.error;
        throw new BusRequestError(code, message, subject, issues);
      }
      const response = contract.response.safeParse(envelope.data.data);
      if (!response.success) {
        throw new BusRequestError(
          'VALIDATION_FAILED',
          `reply does not match ${contract.subject}`,
          subject,
          issuesOf(response.error),
        );
      }
      this.count(contract, 'ok');
      return response.data as ResponseOf<C>;
    } catch (error) {
      const code = error instanceof BusRequestError ? error.code : 'HANDLER_FAILED';
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      this.count(contract, code.toLowerCase());
      throw error;
    } finally {
      span.end();
    }
  }

  private count(contract: RequestContract, outcome: string): void {
    this.metrics.busClientRequests.inc({ subject: contract.subject, outcome });
  }

  private transportError(error: unknown, subject: string): BusRequestError {
    if (error instanceof NatsError) {
      // NatsError types its code as a plain string, but it always holds one of the ErrorCode values.
      const code = error.code as ErrorCode;
      if (code === ErrorCode.Timeout) return new BusRequestError('TIMEOUT', 'no reply in time', subject);
      if (code === ErrorCode.NoResponders) {
        return new BusRequestError('NO_RESPONDERS', 'no service instance is listening on this subject', subject);
      }
    }
    return new BusRequestError('UNAVAILABLE', error instanceof Error ? error.message : String(error), subject);
  }
}
