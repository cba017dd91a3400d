import { chmod, lchown, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SandboxUnavailableError } from '../runtime.errors';
import type { ServerDefinition } from '../server-definition.schema';
import { traversalProblem } from './host-paths';
import type { SandboxIdentity } from './sandbox-command';

/** Sandbox users may pass through the state directories but not list them, so no instance learns of another. */
const PASS_THROUGH = 0o711;

/**
 * The writable working directory of each instance under `stateDir`: `instances/<instanceId>` for ephemeral ones,
 * `servers/<serverId>` for persistent ones. Owned by the instance's uid when there is one.
 */
export class Workdirs {
  constructor(private readonly stateDir: string) {}

  /**
   * Creates the layout and empties `instances/`: what is there was left by an orchestrator process that died, and
   * ephemeral directories die with their instances. So one stateDir belongs to one orchestrator process.
   */
  async init(uidSwitch: boolean): Promise<void> {
    const instances = join(this.stateDir, 'instances');
    await rm(instances, { recursive: true, force: true });
    for (const dir of [this.stateDir, instances, join(this.stateDir, 'servers')]) {
      await mkdir(dir, { recursive: true });
      await chmod(dir, PASS_THROUGH);
    }
    const problem = await traversalProblem(instances, uidSwitch);
    if (problem) throw new SandboxUnavailableError(`stateDir: ${problem}`);
  }

  private path(definition: ServerDefinition, instanceId: string): string {
    return definition.workingDirectory === 'persistent'
      ? join(this.stateDir, 'servers', definition.id)
      : join(this.stateDir, 'instances', instanceId);
  }

  async prepare(definition: ServerDefinition, instanceId: string, identity?: SandboxIdentity): Promise<string> {
    const dir = this.path(definition, instanceId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // A persistent directory may have been written by an earlier instance that ran under another uid.
    if (identity) {
      await lchown(dir, identity.uid, identity.gid);
      const entries = await readdir(dir, { recursive: true });
      for (const entry of entries) await lchown(join(dir, entry), identity.uid, identity.gid);
    }
    return dir;
  }

  async release(definition: ServerDefinition, instanceId: string): Promise<void> {
    if (definition.workingDirectory === 'ephemeral') {
      await rm(this.path(definition, instanceId), { recursive: true, force: true });
    }
  }
}
