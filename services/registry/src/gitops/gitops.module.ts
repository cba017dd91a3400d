import { Global, Module } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { GitopsSeedService } from './gitops-seed.service';

/** portcullis.yaml applied to the registry at start (see GitopsSeedService); global so resolution can wait for it. */
@Global()
@Module({
  imports: [GatewaysModule],
  providers: [GitopsSeedService],
  exports: [GitopsSeedService],
})
export class GitopsModule {}
