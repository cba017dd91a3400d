import { CreateOrganizations1732000000100 } from './1732000000100-create-organizations';
import { CreateIdentities1732000000110 } from './1732000000110-create-identities';
import { CreateApiTokens1732000000120 } from './1732000000120-create-api-tokens';
import { CreateCatalogEntries1732000000150 } from './1732000000150-create-catalog-entries';
import { CreateInstallations1732000000160 } from './1732000000160-create-installations';
import { CreateSecrets1732000000170 } from './1732000000170-create-secrets';
import { CreateInstallationRequests1732000000300 } from './1732000000300-create-installation-requests';
import { CreateInstallationTools1732000000310 } from './1732000000310-create-installation-tools';
import { CreateToolApprovals1732000000320 } from './1732000000320-create-tool-approvals';
import { CreateGateways1732000000190 } from './1732000000190-create-gateways';
import { CreateGitopsObjects1732000000191 } from './1732000000191-create-gitops-objects';

/**
 * The registry schema's migrations in order (the service and the tests run the same list). Identities own
 * 1732000000110–149; the catalog, installations and secrets add theirs here in their own number range.
 */
export const registryMigrations = [
  CreateOrganizations1732000000100,
  CreateIdentities1732000000110,
  CreateApiTokens1732000000120,
  CreateCatalogEntries1732000000150,
  CreateInstallations1732000000160,
  CreateSecrets1732000000170,
  CreateGateways1732000000190,
  CreateGitopsObjects1732000000191,
  CreateInstallationRequests1732000000300,
  CreateInstallationTools1732000000310,
  CreateToolApprovals1732000000320,
];
