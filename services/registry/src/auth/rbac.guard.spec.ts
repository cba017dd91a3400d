import { ForbiddenException, NotFoundException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RegistryCallerMessage } from '@portcullis/contracts';
import type { FastifyRequest } from 'fastify';
import { FORWARDED_HEADER, ForwardedRequests } from '../http/forwarded-requests';
import type { OrganizationLookup } from '../http/organization-lookup';
import { RequirePermission } from '../http/require-permission';
import { AuthenticatedRoute, PublicRoute } from '../http/route-access';
import { RbacGuard } from './rbac.guard';

class Routes {
  @RequirePermission('users', 'write')
  write(): void {}

  @PublicRoute()
  open(): void {}

  @AuthenticatedRoute()
  signedIn(): void {}

  undeclared(): void {}
}

const caller = (permissions: string[], tenant = 'acme'): RegistryCallerMessage => ({
  actor: 'u1',
  tenant,
  roles: ['x'],
  permissions,
  credential: { type: 'token', id: 't1' },
});

describe(RbacGuard.name, () => {
  const forwarded = new ForwardedRequests();
  const organizations = { idOf: (slug: string) => Promise.resolve(slug === 'acme' ? 'org-acme' : null) };
  const guard = new RbacGuard(new Reflector(), forwarded, organizations as OrganizationLookup);

  const run = async (
    route: keyof Routes,
    options: { url?: string; caller?: RegistryCallerMessage | null; key?: string },
  ) => {
    const session = options.caller === undefined ? undefined : forwarded.open({ caller: options.caller });
    const request = {
      url: options.url ?? '/api/v1/x',
      headers: { [FORWARDED_HEADER]: options.key ?? session?.key },
    } as unknown as FastifyRequest;
    const context = {
      getType: () => 'http',
      getHandler: () => Reflect.get(Routes.prototype, route) as unknown,
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    try {
      return { allowed: await guard.canActivate(context), request };
    } finally {
      session?.close();
    }
  };

  it('should let a forwarded caller with the permission through, resolved to its organisation', async () => {
    const { allowed, request } = await run('write', { caller: caller(['users:*']) });
    expect(allowed).toBe(true);
    expect(request.registryCaller).toEqual({
      actor: 'u1',
      tenant: 'org-acme',
      tenantSlug: 'acme',
      roles: ['x'],
      permissions: ['users:*'],
    });
  });

  it('should answer 403 without the permission, 401 without a caller or with an unknown organisation', async () => {
    await expect(run('write', { caller: caller(['users:read']) })).rejects.toThrow(ForbiddenException);
    await expect(run('write', { caller: null })).rejects.toThrow(UnauthorizedException);
    await expect(run('signedIn', { caller: null })).rejects.toThrow(UnauthorizedException);
    await expect(run('write', { caller: caller(['*:*'], 'ghost') })).rejects.toThrow(UnauthorizedException);
    expect((await run('signedIn', { caller: caller([]) })).allowed).toBe(true);
    expect((await run('open', { caller: null })).allowed).toBe(true);
  });

  it('should serve the API only to forwarded requests, and no undeclared API route at all', async () => {
    await expect(run('open', {})).rejects.toThrow(NotFoundException);
    await expect(run('open', { key: 'guessed' })).rejects.toThrow(NotFoundException);
    await expect(run('undeclared', { caller: caller(['*:*']) })).rejects.toThrow(ForbiddenException);
    expect((await run('undeclared', { url: '/health' })).allowed).toBe(true);
  });
});
