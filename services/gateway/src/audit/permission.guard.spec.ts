import { ForbiddenException, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ADMIN_CALLER } from '../auth/authenticated-caller';
import { PermissionGuard, RequirePermission } from './permission.guard';
import { callerMay } from './role-permissions';

class Handlers {
  @RequirePermission('audit:read')
  read(): void {}

  @RequirePermission('audit:verify')
  verify(): void {}
}

const contextFor = (handler: keyof Handlers, caller: unknown): ExecutionContext =>
  ({
    getHandler: () => Reflect.get(Handlers.prototype, handler) as unknown,
    getClass: () => Handlers,
    switchToHttp: () => ({ getRequest: () => ({ caller }) }),
  }) as unknown as ExecutionContext;

const callerWith = (permissions: string[], roles: string[] = ['custom']) => ({
  actor: 'a',
  tenant: 't',
  roles,
  permissions,
  credential: { type: 'token', id: 'x' },
});

describe(PermissionGuard.name, () => {
  const guard = new PermissionGuard(new Reflector());

  it('should grant the admin token every audit permission', () => {
    expect(callerMay(ADMIN_CALLER, 'audit:read')).toBe(true);
    expect(callerMay(ADMIN_CALLER, 'audit:verify')).toBe(true);
  });

  it('should decide by resolved permissions, not role names', () => {
    expect(guard.canActivate(contextFor('read', callerWith(['audit:read'])))).toBe(true);
    expect(guard.canActivate(contextFor('verify', callerWith(['audit:*'])))).toBe(true);
    expect(() => guard.canActivate(contextFor('read', callerWith([], ['admin'])))).toThrow(ForbiddenException);
  });

  it('should refuse with 403 when no permission grants it, and 401 without a caller', () => {
    expect(() => guard.canActivate(contextFor('verify', callerWith(['audit:read'])))).toThrow(ForbiddenException);
    expect(() => guard.canActivate(contextFor('read', callerWith(['catalog:*'])))).toThrow(ForbiddenException);
    expect(() => guard.canActivate(contextFor('read', { actor: 'a', tenant: 't', roles: ['member'] }))).toThrow(
      ForbiddenException,
    );
    expect(() => guard.canActivate(contextFor('read', undefined))).toThrow(UnauthorizedException);
  });
});
