import { Module } from '@nestjs/common';
import { ToolsController } from './tools.controller';
import { ToolsService } from './tools.service';

/** Tool definitions discovered on installations and their pins (GET /api/v1/installations/{id}/tools). */
@Module({ controllers: [ToolsController], providers: [ToolsService] })
export class ToolsModule {}
