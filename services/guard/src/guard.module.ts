import { Module } from '@nestjs/common';

/** Tool-call and trusted-data policies (arrive with their issue). Until then the service serves the kit's probes, metrics and bus handlers. */
@Module({})
export class GuardModule {}
