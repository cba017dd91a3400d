import { Module } from '@nestjs/common';
import { ChainHasher } from './chain-hash';
import { chainHasherProvider } from './chain-hasher.provider';
import { ChainVerifier } from './chain-verifier';

/** The hash chain's hasher (keyed by AUDIT_CHAIN_KEY) and verifier, for ingestion, retention and the query side. */
@Module({ providers: [chainHasherProvider, ChainVerifier], exports: [ChainHasher, ChainVerifier] })
export class ChainModule {}
