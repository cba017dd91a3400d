import { isIPv4 } from 'node:net';

/**
 * Whether a hostname (as WHATWG URL normalises it: lower case, IPv6 in brackets, IPv4 in dotted decimal) names this
 * machine. `*.localhost` is deliberately not included: a rebinding attacker cannot use it, but neither needs anyone.
 */
export function isLoopbackHostname(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === 'localhost.') return true;
  if (isIPv4(hostname)) return hostname.startsWith('127.');
  return hostname === '[::1]' || /^\[::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|127\.\d+\.\d+\.\d+)\]$/.test(hostname);
}
