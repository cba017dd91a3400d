import { ForbiddenException, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PermissionGuard, RequirePermission } from './permission.guard';
import { permissionsOf } from './role-permissions';

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

describe(PermissionGuard.name, () => {
  const guard = new PermissionGuard(new Reflector());

  it('should grant admin every audit permission and unknown roles none', () => {
    expect([...permissionsOf(['admin'])].sort()).toEqual(['audit:read', 'audit:verify']);
    expect(permissionsOf(['member', 'toString', '__proto__']).size).toBe(0);
    expect(permissionsOf([]).size).toBe(0);
  });

  it('should let a caller through whose roles grant the permission', () => {
    expect(guard.canActivate(contextFor('read', { actor: 'a', tenant: 't', roles: ['admin'] }))).toBe(true);
    expect(guard.canActivate(contextFor('verify', { actor: 'a', tenant: 't', roles: ['member', 'admin'] }))).toBe(true);
  });

  it('should refuse with 403 when no role grants it, and 401 without a caller', () => {
    expect(() => guard.canActivate(contextFor('read', { actor: 'a', tenant: 't', roles: ['member'] }))).toThrow(
      ForbiddenException,
    );
    expect(() => guard.canActivate(contextFor('read', undefined))).toThrow(UnauthorizedException);
  });
});
