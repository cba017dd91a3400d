import { constants } from 'node:os';
import type { InstanceExit } from '../runtime.types';

/** bwrap reports a server killed by a signal the way a shell does, as 128 + the signal number. */
function signalBehind(code: number | null): string | undefined {
  if (code === null || code <= 128) return undefined;
  return Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0];
}

export function describeExit(exit: InstanceExit): string {
  const signal = signalBehind(exit.code);
  const status = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}${signal ? ` (${signal})` : ''}`;
  return exit.reason ? `${status} (${exit.reason})` : status;
}
