import { Injectable } from '@nestjs/common';
import { Database } from '@portcullis/persistence';
import { ChainHasher } from './chain-hash';
import type { ChainReport } from './chain-walk';
import { verifyChain, type VerifyOptions } from './verify-chain';

export type { ChainProblem, ChainProblemKind, ChainReport } from './chain-walk';
export type { VerifyOptions } from './verify-chain';

/** Verifies the audit hash chain of this service's schema (see verifyChain); one connection per run. */
@Injectable()
export class ChainVerifier {
  constructor(
    private readonly db: Database,
    private readonly hasher: ChainHasher,
  ) {}

  async verify(options: VerifyOptions = {}): Promise<ChainReport> {
    const runner = this.db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      return await verifyChain({ query: (sql, params) => runner.query(sql, params) }, this.hasher, options);
    } finally {
      await runner.release();
    }
  }
}
