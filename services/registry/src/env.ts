import {
  baseEnvShape,
  httpPortShape,
  databaseEnvShape,
  databaseSchemaShape,
  portcullisFileEnvShape,
  redisEnvShape,
} from '@portcullis/config';
import { z } from 'zod';
import { secretKeyRingSpec } from './secrets/secret-key-ring';
import { workflowEnvShape } from './workflow/workflow-env';

export const registryEnv = z
  .object({
    ...baseEnvShape,
    ...httpPortShape(3001),
    ...databaseEnvShape,
    ...databaseSchemaShape('registry'),
    ...redisEnvShape,
    ...portcullisFileEnvShape,
    ...workflowEnvShape,
    SESSION_TTL_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30)
      .default(720)
      .describe('How long a console session (POST /api/v1/auth/login) lasts before the user signs in again.'),
    REGISTRY_SECRET_KEYS: secretKeyRingSpec
      .optional()
      .describe(
        'Keys encrypting stored secrets (AES-256-GCM): `id:base64(32 bytes)`, comma-separated; the first encrypts, the others only decrypt (rotation). Required in production; development and test use a fixed, insecure key when unset.',
      ),
  })
  // zod 4 keeps refinements inside the object schema, so loadEnv still sees a ZodObject.
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.REGISTRY_SECRET_KEYS) {
      ctx.addIssue({ code: 'custom', path: ['REGISTRY_SECRET_KEYS'], message: 'is required when NODE_ENV=production' });
    }
  });
export type RegistryEnv = z.infer<typeof registryEnv>;
