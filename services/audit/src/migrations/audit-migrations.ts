import { CreateEvents1732000000200 } from './1732000000200-create-events';
import { CreateRollups1732000000210 } from './1732000000210-create-rollups';
import { AsyncRollups1732000000220 } from './1732000000220-async-rollups';

/** The audit schema's migrations, in order (the service and the tests run the same list). */
export const auditMigrations = [CreateEvents1732000000200, CreateRollups1732000000210, AsyncRollups1732000000220];
