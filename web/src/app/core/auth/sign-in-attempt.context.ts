import { HttpContextToken } from '@angular/common/http';

/**
 * Marks the request that tries a candidate token: it carries its own Authorization header and its
 * 401 is an answer for the sign-in form, not a sign that the current session has ended.
 */
export const SIGN_IN_ATTEMPT = new HttpContextToken<boolean>(() => false);
