import { Module } from '@nestjs/common';

/** OpenAI/Anthropic-compatible proxy with cost limits (provider adapters arrive with their issue). Until then the service serves the kit's probes, metrics and bus handlers. */
@Module({})
export class LlmProxyModule {}
