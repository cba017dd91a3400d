import type { BusErrorCode } from '@portcullis/contracts';

/** A bus request that did not produce a valid response; `code` tells bad input from an outage. */
export class BusRequestError extends Error {
  constructor(
    readonly code: BusErrorCode,
    message: string,
    readonly subject: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'BusRequestError';
  }
}

/** Thrown by a handler to send its caller a message that is safe to show (anything else is masked). */
export class BusHandlerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BusHandlerError';
  }
}
