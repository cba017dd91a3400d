import type { BusReply } from '@portcullis/contracts';
import type { z } from 'zod';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Parses a message body; `undefined` means it was not JSON (the caller answers MALFORMED_MESSAGE). */
export function decodeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data)) as unknown;
  } catch {
    return undefined;
  }
}

export const issuesOf = (error: z.ZodError) =>
  error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message }));

export const errorReply = (
  code: Extract<BusReply, { ok: false }>['error']['code'],
  message: string,
  issues?: { path: string; message: string }[],
): Uint8Array => encodeJson({ ok: false, error: issues ? { code, message, issues } : { code, message } });
