import { HttpErrorResponse } from '@angular/common/http';

const UNAUTHORIZED = 401;

export function isUnauthorized(error: unknown): boolean {
  return error instanceof HttpErrorResponse && error.status === UNAUTHORIZED;
}
