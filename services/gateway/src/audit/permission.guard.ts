import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { callerMay, type Permission } from './role-permissions';

const PERMISSION = 'portcullis:permission';

/** The permission a handler (or every handler of a controller) needs; checked after authentication. */
export const RequirePermission = (permission: Permission) => SetMetadata(PERMISSION, permission);

/** 403 problem details when the authenticated caller's resolved permissions do not include the handler's. */
@Injectable()
export class PermissionGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const needed = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!needed) return true;
    const caller = context.switchToHttp().getRequest<FastifyRequest>().caller;
    if (!caller) throw new UnauthorizedException('A bearer token is required.');
    if (!callerMay(caller, needed)) {
      throw new ForbiddenException(`This needs the permission ${needed}, which none of your roles grants.`);
    }
    return true;
  }
}
