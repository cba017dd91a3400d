import { InstanceNotFoundError, InvalidDefinitionError, RuntimeShutDownError } from '../runtime.errors';
import { LocalRuntime } from './local-runtime';

/** What the runtime refuses before it touches the host; the sandbox itself is covered by the integration tests. */
describe(LocalRuntime.name, () => {
  const runtime = () => new LocalRuntime({ stateDir: '/nonexistent/portcullis-unit' });

  it('should reject an invalid definition naming every bad field', async () => {
    const started = runtime().start({ id: 'Bad Id', command: '', memoryLimitBytes: 1 });
    await expect(started).rejects.toThrow(InvalidDefinitionError);
    await expect(started).rejects.toThrow(/id: .*; command: .*; memoryLimitBytes: /);
  });

  it('should reject an instance id that cannot name a directory', async () => {
    await expect(runtime().start({ id: 'ok', command: 'node' }, { instanceId: '../x' })).rejects.toThrow(
      /instanceId: must match/,
    );
  });

  it('should refuse to start after shutdown', async () => {
    const shutDown = runtime();
    await shutDown.shutdown();
    await expect(shutDown.start({ id: 'ok', command: 'node' })).rejects.toThrow(RuntimeShutDownError);
  });

  it('should answer unknown instances with a not-found error, and no status', async () => {
    const empty = runtime();
    await expect(empty.client('nope')).rejects.toThrow(InstanceNotFoundError);
    await expect(empty.stop('nope')).rejects.toThrow(InstanceNotFoundError);
    expect(() => empty.logs('nope')).toThrow(InstanceNotFoundError);
    expect(empty.status('nope')).toBeUndefined();
    expect(empty.list()).toEqual([]);
  });

  it('should validate its own configuration', () => {
    expect(() => new LocalRuntime({ stateDir: 'relative' })).toThrow(/absolute path/);
    expect(() => new LocalRuntime({ stateDir: '/x', maxInstances: 0 })).toThrow();
  });
});
