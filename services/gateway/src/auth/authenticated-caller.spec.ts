import type { IncomingMessage } from 'node:http';
import { ADMIN_CALLER, callerOfRaw, eventIdentityOf, rememberCaller } from './authenticated-caller';

describe('event identity of a caller', () => {
  it('should name the caller’s own organisation and credential, never another’s', () => {
    expect(eventIdentityOf({ tenant: 'acme', actor: 'token:0190' })).toEqual({
      tenant: 'acme',
      actor: { type: 'token', id: '0190' },
    });
    expect(eventIdentityOf({ tenant: 'acme', actor: 'user-7' })).toEqual({
      tenant: 'acme',
      actor: { type: 'user', id: 'user-7' },
    });
    expect(eventIdentityOf(ADMIN_CALLER)).toEqual({ tenant: 'default', actor: { type: 'token', id: 'admin' } });
  });

  it('should find the caller of a raw request once the guard has authenticated it', () => {
    const raw = {} as IncomingMessage;
    expect(callerOfRaw(raw)).toBeUndefined();
    rememberCaller(raw, { ...ADMIN_CALLER, tenant: 'acme', actor: 'token:1' });
    expect(eventIdentityOf(callerOfRaw(raw)).tenant).toBe('acme');
  });
});
