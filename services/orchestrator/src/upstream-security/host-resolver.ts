import { lookup } from 'node:dns/promises';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Injectable so tests never touch DNS, and so a deployment can put its own resolver (or a timeout) in front. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * The operating system's resolver (hosts file, then DNS), every address in the order it prefers — the same view the
 * HTTP client would get, which is what must be checked.
 */
export const systemHostResolver: HostResolver = async (hostname) => {
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};
