import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { AuthController } from './auth.controller';
import { AuthMetrics } from './auth.metrics';
import { CallerScopeInterceptor } from './caller-scope.interceptor';

@Module({
  controllers: [AuthController],
  providers: [AuthMetrics, AdminTokenGuard, CallerScopeInterceptor],
  exports: [AuthMetrics, AdminTokenGuard, CallerScopeInterceptor],
})
export class AuthModule {}
