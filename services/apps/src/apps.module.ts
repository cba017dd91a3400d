import { Module } from '@nestjs/common';

/** MCP Apps (arrive with their issue). Until then the service serves the kit's probes, metrics and bus handlers. */
@Module({})
export class AppsModule {}
