import { baseEnvShape, httpPortShape, databaseEnvShape, databaseSchemaShape, redisEnvShape } from '@portcullis/config';
import { z } from 'zod';

export const llmProxyEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3003),
  ...databaseEnvShape,
  ...databaseSchemaShape('llm'),
  ...redisEnvShape,
});
