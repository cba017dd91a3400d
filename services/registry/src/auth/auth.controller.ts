import { Controller, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type * as z from 'zod';
import { ApiRoute } from '../http/api-route';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody } from '../http/validated';
import { loginBody, sessionSchema } from './auth.dto';
import { SessionsService } from './sessions.service';

const TAG = 'auth';

@Controller()
export class AuthController {
  constructor(private readonly sessions: SessionsService) {}

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/auth/login',
    summary: 'Sign in to the console with email and password; answers a session token',
    tag: TAG,
    access: 'public',
    body: loginBody,
    responses: { 200: { description: 'Signed in', schema: sessionSchema } },
  })
  login(@ValidBody(loginBody) body: z.infer<typeof loginBody>) {
    return this.sessions.login(body);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/auth/logout',
    summary: 'End the console session the request is authenticated with',
    tag: TAG,
    access: 'authenticated',
    responses: { 204: { description: 'Signed out' } },
  })
  logout(@CurrentCaller() caller: RegistryCaller, @Req() request: FastifyRequest) {
    return this.sessions.logout(caller, request.registryCredential);
  }
}
