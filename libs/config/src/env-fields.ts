import { z } from 'zod';

/** `true`/`false`/`1`/`0` from the environment; zod's coerce would turn the string "false" into true. */
export const envBoolean = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const envPort = z.coerce.number().int().min(0).max(65_535);

const urlWithProtocol = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** Comma-separated server URLs, as nats.js and NATS CLI accept them. */
export const natsUrls = z
  .string()
  .min(1)
  .refine((value) => value.split(',').every((u) => /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(u.trim())), {
    message: 'must be nats://host:port (comma-separated for a cluster)',
  });

export const postgresUrl = urlWithProtocol(['postgres:', 'postgresql:']);
export const redisUrl = urlWithProtocol(['redis:', 'rediss:']);
export const httpUrl = urlWithProtocol(['http:', 'https:']);
