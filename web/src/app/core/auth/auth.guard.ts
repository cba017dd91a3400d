import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';

import { AuthSession } from './auth-session.service';

// Only checks that a token is held; whether the gateway still accepts it is decided by the first
// API call, whose 401 the interceptor turns into a return to sign-in.
export const authGuard: CanActivateFn = (_route, state) => {
  if (inject(AuthSession).signedIn()) {
    return true;
  }
  return inject(Router).createUrlTree(['/sign-in'], { queryParams: { returnUrl: state.url } });
};
