import { Injectable } from '@nestjs/common';
import { AppConfig, loadPortcullisFile } from '@portcullis/config';
import type { PortcullisFile, PortcullisServer } from '@portcullis/contracts';
import type { OrchestratorEnv } from '../env';

/** The servers this worker may run, from the GitOps seed (until the registry issue replaces it). */
@Injectable()
export class ServerCatalog {
  private readonly file: PortcullisFile;

  constructor(config: AppConfig<OrchestratorEnv>) {
    this.file = loadPortcullisFile(config.get('PORTCULLIS_FILE'));
  }

  /** The server, if the gateway exists and has it assigned. */
  find(gateway: string, serverId: string): PortcullisServer | undefined {
    const declared = this.file.gateways.find((g) => g.id === gateway);
    if (!declared?.servers.includes(serverId)) return undefined;
    return this.file.servers.find((s) => s.id === serverId);
  }
}
