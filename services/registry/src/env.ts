import { baseEnvShape, httpPortShape, databaseEnvShape, databaseSchemaShape, redisEnvShape } from '@portcullis/config';
import { z } from 'zod';

export const registryEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3001),
  ...databaseEnvShape,
  ...databaseSchemaShape('registry'),
  ...redisEnvShape,
});
