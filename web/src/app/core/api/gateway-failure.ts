import { HttpErrorResponse } from '@angular/common/http';

import { ContractViolationError } from './contract-violation.error';

export interface GatewayFailure {
  readonly title: string;
  readonly detail: string;
  /** HTTP status of the failed call; 0 when no response arrived at all. */
  readonly status: number | null;
}

// 5xx from the edge means the console's web server could not get an answer from the gateway.
const UNREACHABLE_STATUSES = new Set([0, 502, 503, 504]);

// Our own reason phrases: `statusText` is unreliable (HTTP/2 has none, so it can read "OK" on a 502).
const REASONS: Readonly<Record<number, string>> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function describeGatewayFailure(error: unknown): GatewayFailure {
  if (error instanceof ContractViolationError) {
    return {
      title: 'Unexpected response from the gateway',
      detail: `${error.endpoint} returned a payload this console does not understand.`,
      status: null,
    };
  }
  if (error instanceof HttpErrorResponse) {
    const title = UNREACHABLE_STATUSES.has(error.status) ? 'Gateway unreachable' : 'Gateway error';
    return { title, detail: describeStatus(error), status: error.status };
  }
  return { title: 'Something went wrong', detail: String(error), status: null };
}

function describeStatus(error: HttpErrorResponse): string {
  if (error.status === 0) {
    return 'No response from the gateway (network error).';
  }
  const reason = REASONS[error.status];
  return reason ? `HTTP ${String(error.status)} ${reason}` : `HTTP ${String(error.status)}`;
}
