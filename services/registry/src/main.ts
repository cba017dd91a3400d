import { bootstrapService } from '@portcullis/service-kit';
import { registryService } from './registry.service-definition';

void bootstrapService(registryService);
