import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import type { WhoAmI } from '@portcullis/contracts';
import type { FastifyRequest } from 'fastify';
import { AdminTokenGuard } from './admin-token.guard';

@Controller('api/v1/auth')
@UseGuards(AdminTokenGuard)
export class AuthController {
  /** Lets the console check a token and show who is signed in. */
  @Get('me')
  me(@Req() request: FastifyRequest): WhoAmI {
    return request.caller!;
  }
}
