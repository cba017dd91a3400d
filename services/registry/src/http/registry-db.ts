import { ConflictException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { Database } from '@portcullis/persistence';
import type { QueryRunner } from 'typeorm';

export interface Queryable {
  /** The rows (also of INSERT/UPDATE/DELETE … RETURNING; TypeORM's plain query() wraps those differently). */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

const rowsOf = async <T>(runner: QueryRunner, sql: string, params?: unknown[]): Promise<T[]> =>
  (await runner.query(sql, params, true)).records as T[];

/** Postgres `unique_violation`: the caller gets a 409 naming what already exists. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown })?.code === '23505';

export const conflictOn = async <T>(work: Promise<T>, detail: string): Promise<T> => {
  try {
    return await work;
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictException(detail);
    throw error;
  }
};

/** The registry's schema through plain SQL (parameterised), in or out of a transaction. */
@Injectable()
export class RegistryDb implements Queryable {
  constructor(private readonly database: Database) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.ensureReady();
    const runner = this.database.dataSource.createQueryRunner();
    try {
      return await rowsOf<T>(runner, sql, params);
    } finally {
      await runner.release();
    }
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    this.ensureReady();
    return this.database.dataSource.transaction((manager) =>
      work({ query: <T>(sql: string, params?: unknown[]) => rowsOf<T>(manager.queryRunner!, sql, params) }),
    );
  }

  private ensureReady(): void {
    if (!this.database.dataSource.isInitialized) {
      throw new ServiceUnavailableException('The registry database is not reachable yet; try again shortly.');
    }
  }
}
