import { baseEnvShape, httpPortShape, databaseEnvShape, databaseSchemaShape } from '@portcullis/config';
import { z } from 'zod';

export const guardEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3004),
  ...databaseEnvShape,
  ...databaseSchemaShape('guard'),
});
