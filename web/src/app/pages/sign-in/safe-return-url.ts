const DEFAULT_LANDING = '/health';

/** Only same-app paths: a crafted `returnUrl` must not bounce a fresh admin session off-site. */
export function safeReturnUrl(candidate: string | undefined): string {
  if (!candidate || !candidate.startsWith('/') || candidate.startsWith('//') || candidate.startsWith('/sign-in')) {
    return DEFAULT_LANDING;
  }
  return candidate;
}
