import type { CallerScope } from './caller-scope';

/** Second argument of every bus handler. */
export interface BusHandlerContext {
  subject: string;
  caller: CallerScope | undefined;
  traceId: string | null;
}
