import type { Type } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { MigrationInterface } from 'typeorm';

/** What makes one service different from the others; everything else comes from the kit. */
export interface ServiceDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  version: string;
  env: S;
  /** The feature module (controllers, handlers, services). */
  module: Type;
  /** Present for services that own a Postgres schema (its `outbox` and `service_instances` come from the kit). */
  database?: {
    migrations: (new () => MigrationInterface)[];
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM entity classes
    entities?: Function[];
    /**
     * Whether the service's requests need Postgres (default true). False where it holds only the event outbox (the
     * gateway, the orchestrator): `/ready` then reports Postgres but stays 200 without it, and events go straight to
     * the stream while the outbox is out of reach.
     */
    requiredForReadiness?: boolean;
  };
  redis?: boolean;
  /** Largest accepted HTTP body, bytes. */
  bodyLimit?: number;
  /**
   * Adjusts the Fastify instance before the routes are served (content-type parsers, hooks). A service that
   * passes this parses request bodies itself: Nest's own body parser is not registered.
   */
  configureHttp?: (fastify: FastifyInstance) => void;
}
