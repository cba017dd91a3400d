import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { callerScope } from '@portcullis/messaging';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

/** Runs an authenticated handler inside the caller's scope, so bus requests it makes carry tenant and actor. */
@Injectable()
export class CallerScopeInterceptor implements NestInterceptor {
  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const caller = execution.switchToHttp().getRequest<FastifyRequest>().caller;
    if (!caller) return next.handle();
    return new Observable((subscriber) =>
      callerScope.run({ tenant: caller.tenant, actor: caller.actor }, () => next.handle().subscribe(subscriber)),
    );
  }
}
