import type { HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';

import { isUnauthorized } from '../api/is-unauthorized';
import { AuthSession } from './auth-session.service';
import { SIGN_IN_ATTEMPT } from './sign-in-attempt.context';

const API_PREFIX = '/api/';

export const authInterceptor: HttpInterceptorFn = (request, next) => {
  if (!request.url.startsWith(API_PREFIX) || request.context.get(SIGN_IN_ATTEMPT)) {
    return next(request);
  }
  const session = inject(AuthSession);
  const router = inject(Router);
  const token = session.token();
  const authorised = token ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request;

  return next(authorised).pipe(
    catchError((error: unknown) => {
      if (isUnauthorized(error)) {
        session.end();
        void router.navigate(['/sign-in'], { queryParams: token ? { reason: 'expired' } : {} });
      }
      return throwError(() => error);
    }),
  );
};
