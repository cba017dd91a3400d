import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { AuthController } from './auth.controller';
import { AuthMetrics } from './auth.metrics';
import { Authenticator } from './authenticator';
import { CallerScopeInterceptor } from './caller-scope.interceptor';
import { TokenVerifier } from './token-verifier';

@Module({
  controllers: [AuthController],
  providers: [AuthMetrics, TokenVerifier, Authenticator, AdminTokenGuard, CallerScopeInterceptor],
  exports: [AuthMetrics, Authenticator, AdminTokenGuard, CallerScopeInterceptor],
})
export class AuthModule {}
