import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '../tokens';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Every HTTP error leaves as RFC 9457 problem details; internals of a 500 stay in the log. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception);
    problem.instance = request.url;
    if (problem.status >= 500) this.log.error({ err: exception, url: request.url }, 'request failed');
    void reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
  }

  private toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const extra = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const detail =
        typeof body === 'string' ? body : typeof extra.message === 'string' ? extra.message : exception.message;
      const { message: _m, statusCode: _s, error: _e, ...extensions } = extra;
      return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, ...extensions };
    }
    // Fastify's own errors (bad JSON body, body too large) carry a 4xx statusCode.
    const statusCode = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return {
        type: 'about:blank',
        title: TITLES[statusCode] ?? 'Error',
        status: statusCode,
        detail: (exception as Error).message,
      };
    }
    return { type: 'about:blank', title: TITLES[500], status: 500, detail: 'An unexpected error occurred.' };
  }
}
