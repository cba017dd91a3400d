import { Injectable, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { decodeCursor, type Page, pageOf } from '../http/pagination';
import { RegistryDb } from '../http/registry-db';
import type { RegistryCaller } from '../http/require-permission';
import type { InstallationTool, ListToolsQuery } from './tool.schema';
import { toInstallationTool, toolsRepository } from './tools.repository';

const toolName = z.string().min(1).max(500);

/** The tools discovered on installations, with their pins. */
@Injectable()
export class ToolsService {
  constructor(private readonly db: RegistryDb) {}

  async list(caller: RegistryCaller, installationId: string, query: ListToolsQuery): Promise<Page<InstallationTool>> {
    const exists = await this.db.query('SELECT 1 FROM installations WHERE organization_id = $1 AND id = $2', [
      caller.tenant,
      installationId,
    ]);
    if (exists.length === 0) throw new NotFoundException(`Installation ${installationId} does not exist.`);
    const rows = await toolsRepository.list(this.db, caller.tenant, installationId, {
      after: decodeCursor(query.cursor, toolName),
      status: query.status,
      limit: query.limit,
    });
    return pageOf(rows, query.limit, (row) => row.name, toInstallationTool);
  }
}
