import { baseEnvShape, httpPortShape, databaseEnvShape, databaseSchemaShape } from '@portcullis/config';
import { z } from 'zod';

export const appsEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3006),
  ...databaseEnvShape,
  ...databaseSchemaShape('apps'),
});
