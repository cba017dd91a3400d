import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig } from '@portcullis/config';
import { BusClient, BusConnection, EventPublisher } from '@portcullis/messaging';
import { Metrics, Readiness } from '@portcullis/observability';
import { Database, RedisStore } from '@portcullis/persistence';
import type { Logger } from 'pino';
import { HealthController } from './health/health.controller';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { SystemHandlers } from './system/system.handlers';
import { LOGGER, SERVICE_INFO, type ServiceInfo } from './tokens';

export interface CoreParts {
  info: ServiceInfo;
  config: AppConfig<object>;
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  bus: BusConnection;
  busClient: BusClient;
  events: EventPublisher;
  database?: Database;
  redis?: RedisStore;
}

/** Makes the process-wide parts (built before Nest starts) injectable in every feature module. */
@Global()
@Module({})
export class CoreModule {
  static with(parts: CoreParts): DynamicModule {
    const providers: Provider[] = [
      { provide: SERVICE_INFO, useValue: parts.info },
      { provide: AppConfig, useValue: parts.config },
      { provide: LOGGER, useValue: parts.logger },
      { provide: Metrics, useValue: parts.metrics },
      { provide: Readiness, useValue: parts.readiness },
      { provide: BusConnection, useValue: parts.bus },
      { provide: BusClient, useValue: parts.busClient },
      { provide: EventPublisher, useValue: parts.events },
      { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    ];
    if (parts.database) providers.push({ provide: Database, useValue: parts.database });
    if (parts.redis) providers.push({ provide: RedisStore, useValue: parts.redis });
    return {
      module: CoreModule,
      controllers: [HealthController, SystemHandlers],
      providers,
      exports: providers.filter((p) => (p as { provide: unknown }).provide !== APP_FILTER),
    };
  }
}
