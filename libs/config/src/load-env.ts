import type { z } from 'zod';
import { ConfigError } from './config.error';
import { busIsolationRefinement } from './env-schemas';

/** Parses the environment against a service's schema; throws one error listing every problem. */
export function loadEnv<S extends z.ZodObject>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  // Empty strings mean "unset" (the usual outcome of `FOO=` in an .env file or a compose file).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  const issues = result.success ? [] : [...result.error.issues];
  const parsed = (result.success ? result.data : cleaned) as { BUS_PREFIX?: string; EVENTS_STREAM?: string };
  if ('BUS_PREFIX' in schema.shape && !busIsolationRefinement.check({ EVENTS_STREAM: 'EVENTS', ...parsed })) {
    issues.push({ ...busIsolationRefinement.issue, code: 'custom', input: parsed.EVENTS_STREAM });
  }
  if (result.success && issues.length === 0) return result.data;
  const problems = issues.map((issue) => ({
    key: issue.path.map(String).join('.') || '(root)',
    message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required but not set' : issue.message,
  }));
  throw new ConfigError(service, problems);
}
