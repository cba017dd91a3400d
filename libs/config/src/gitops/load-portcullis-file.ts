import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PortcullisFile } from '@portcullis/contracts';
import { formatPortcullisFileIssues, parsePortcullisFile } from './parse-portcullis-file';

const EMPTY: PortcullisFile = { version: 1, servers: [], gateways: [] };

/**
 * Reads the GitOps seed. A missing file is an empty platform (nothing declared yet); an invalid one stops the
 * service with every problem and its line, because serving half a configuration would be worse.
 */
export function loadPortcullisFile(path: string | undefined): PortcullisFile {
  if (!path) return EMPTY;
  const file = resolve(path);
  if (!existsSync(file)) return EMPTY;
  const parsed = parsePortcullisFile(readFileSync(file, 'utf8'));
  if (parsed.ok) return parsed.config;
  throw new Error(`Invalid ${file}:\n${formatPortcullisFileIssues(parsed.issues, file)}`);
}
