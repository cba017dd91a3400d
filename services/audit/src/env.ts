import { baseEnvShape, httpPortShape, databaseEnvShape, databaseSchemaShape } from '@portcullis/config';
import { z } from 'zod';

export const auditEnv = z.object({
  ...baseEnvShape,
  ...httpPortShape(3005),
  ...databaseEnvShape,
  ...databaseSchemaShape('audit'),
});
