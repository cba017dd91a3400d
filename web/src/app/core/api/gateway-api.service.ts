import { HttpClient, HttpContext } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { type SystemHealth, type WhoAmI, systemHealthSchema, whoAmISchema } from '@portcullis/contracts';
import { type Observable, map } from 'rxjs';
import type { ZodType } from 'zod';

import { SIGN_IN_ATTEMPT } from '../auth/sign-in-attempt.context';
import { ContractViolationError } from './contract-violation.error';

const WHO_AM_I_URL = '/api/v1/auth/me';
const SYSTEM_HEALTH_URL = '/api/v1/system/health';

// Responses are parsed with the shared contract so a drifting gateway shows up as an explicit
// error in the console instead of a half-rendered table.
@Injectable({ providedIn: 'root' })
export class GatewayApi {
  private readonly http = inject(HttpClient);

  whoAmI(): Observable<WhoAmI> {
    return this.http.get<unknown>(WHO_AM_I_URL).pipe(map(parseWith(whoAmISchema, WHO_AM_I_URL)));
  }

  /** Asks who a candidate token belongs to, without touching the current session. */
  tryToken(token: string): Observable<WhoAmI> {
    return this.http
      .get<unknown>(WHO_AM_I_URL, {
        headers: { Authorization: `Bearer ${token}` },
        context: new HttpContext().set(SIGN_IN_ATTEMPT, true),
      })
      .pipe(map(parseWith(whoAmISchema, WHO_AM_I_URL)));
  }

  systemHealth(): Observable<SystemHealth> {
    return this.http.get<unknown>(SYSTEM_HEALTH_URL).pipe(map(parseWith(systemHealthSchema, SYSTEM_HEALTH_URL)));
  }
}

function parseWith<T>(schema: ZodType<T>, endpoint: string): (body: unknown) => T {
  return (body) => {
    const result = schema.safeParse(body);
    if (!result.success) {
      throw new ContractViolationError(endpoint, result.error.message);
    }
    return result.data;
  };
}
