import { ForbiddenException, NotFoundException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { type ModuleRef, Reflector } from '@nestjs/core';
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
  // Direct requests to the registry's port: only `pcl_good` is a token the registry issued.
  const verifier = {
    verify: (secret: string) =>
      Promise.resolve(
        secret === 'pcl_good'
          ? { valid: true, caller: caller(['users:*']), expiresAt: null }
          : { valid: false, reason: 'unknown' },
      ),
  };
  const modules = { get: () => verifier } as unknown as ModuleRef;
  const guard = new RbacGuard(new Reflector(), forwarded, organizations as OrganizationLookup, modules);

  const run = async (
    route: keyof Routes,
    options: { url?: string; caller?: RegistryCallerMessage | null; key?: string; bearer?: string },
  ) => {
    const reply = { header: jest.fn() };
    const session = options.caller === undefined ? undefined : forwarded.open({ caller: options.caller });
    const request = {
      url: options.url ?? '/api/v1/x',
      headers: {
        [FORWARDED_HEADER]: options.key ?? session?.key,
        ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}),
      },
    } as unknown as FastifyRequest;
    const context = {
      getType: () => 'http',
      getHandler: () => Reflect.get(Routes.prototype, route) as unknown,
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
    try {
      return { allowed: await guard.canActivate(context), request, reply };
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

  it('should serve the API to forwarded requests and to bearer tokens the registry issued, nothing undeclared', async () => {
    // Straight to the port: anonymous (public routes only), a guessed forwarding key is no caller at all.
    expect((await run('open', {})).allowed).toBe(true);
    await expect(run('write', { key: 'guessed' })).rejects.toThrow(UnauthorizedException);
    await expect(run('write', {})).rejects.toThrow(UnauthorizedException);
    const direct = await run('write', { bearer: 'pcl_good' });
    expect(direct.allowed).toBe(true);
    expect(direct.request.registryCaller).toMatchObject({ actor: 'u1', tenant: 'org-acme' });
    await expect(run('write', { bearer: 'pcl_forged' })).rejects.toThrow(UnauthorizedException);
    await expect(run('undeclared', { caller: caller(['*:*']) })).rejects.toThrow(ForbiddenException);
    await expect(run('write', { url: '/metrics' })).rejects.toThrow(NotFoundException);
    expect((await run('undeclared', { url: '/health' })).allowed).toBe(true);
  });
});
