import { join } from 'node:path';
import { REPO_ROOT } from './repo-root';

/** Typed views of the launcher's CommonJS helpers, so tests start services exactly as `npm start` does. */
export interface ServiceDef {
  name: string;
  port: number;
  schema: string | null;
  redis: boolean;
  publicHttp: boolean;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceHandle {
  name: string;
  pid: number;
  port: number;
  url: string;
  exitStatus: ExitStatus | null;
  exited: Promise<ExitStatus>;
  kill(signal?: NodeJS.Signals): void;
  tail(lines?: number): string;
}

export type LogSink = ((line: string) => void) & { close?: () => void };

interface ProcessesModule {
  startService(
    def: ServiceDef,
    options: { env?: Record<string, string>; port?: number; logSink?: LogSink },
  ): ServiceHandle;
  waitReady(
    url: string,
    timeoutMs: number,
    options?: { intervalMs?: number; exited?: Promise<unknown> },
  ): Promise<unknown>;
  stopAll(
    handles: ServiceHandle[],
    options?: { timeoutMs?: number },
  ): Promise<{ name: string; status: ExitStatus; killed: boolean }[]>;
  fileSink(file: string): LogSink;
}

interface ServicesModule {
  SERVICES: ServiceDef[];
  WEB_PORT: number;
}

interface InfraModule {
  freePort(): Promise<number>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
export const processes = require(join(REPO_ROOT, 'scripts/lib/processes.cjs')) as ProcessesModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
export const serviceCatalogue = require(join(REPO_ROOT, 'scripts/lib/services.cjs')) as ServicesModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS shared with the launcher
export const infraScripts = require(join(REPO_ROOT, 'scripts/lib/infra.cjs')) as InfraModule;
