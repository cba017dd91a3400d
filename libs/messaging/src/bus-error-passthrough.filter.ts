import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Nest turns every error a message handler throws into `{ status: 'error', message: 'Internal server error' }`
 * before the transport sees it. The bus server decides itself what a caller may read (a BusHandlerError's message,
 * nothing of any other error), so this filter hands the original error through unchanged.
 */
@Catch()
export class BusErrorPassthroughFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
