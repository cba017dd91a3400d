import type { InstanceState } from './runtime.types';

export type RuntimeErrorCode =
  | 'INVALID_DEFINITION'
  | 'CAPACITY'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'NOT_RUNNING'
  | 'START_FAILED'
  | 'SANDBOX_UNAVAILABLE'
  | 'SHUT_DOWN';

/** Errors a caller can act on, each with a stable code the bus layer can map to a reply. */
export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class RuntimeCapacityError extends RuntimeError {
  constructor(readonly limit: number) {
    super(
      'CAPACITY',
      `instance cap reached: ${limit} of ${limit} instances are running; stop one or raise the runtime's maxInstances`,
    );
  }
}

export class InstanceNotFoundError extends RuntimeError {
  constructor(readonly instanceId: string) {
    super('NOT_FOUND', `no instance ${instanceId}`);
  }
}

export class InstanceExistsError extends RuntimeError {
  constructor(readonly instanceId: string) {
    super('ALREADY_EXISTS', `instance ${instanceId} already exists and is not stopped`);
  }
}

export class InstanceNotRunningError extends RuntimeError {
  constructor(
    readonly instanceId: string,
    readonly state: InstanceState,
    reason?: string,
  ) {
    super('NOT_RUNNING', `instance ${instanceId} is ${state}${reason ? `: ${reason}` : ''}`);
  }
}

export class InstanceStartError extends RuntimeError {
  constructor(
    readonly instanceId: string,
    reason: string,
    /** The last lines the server wrote to stderr, which usually say why. */
    readonly lastLogLines: string[],
  ) {
    super('START_FAILED', `instance ${instanceId} did not start: ${reason}`);
  }
}

export class SandboxUnavailableError extends RuntimeError {
  constructor(detail: string) {
    super('SANDBOX_UNAVAILABLE', `the local runtime cannot sandbox servers on this machine: ${detail}`);
  }
}

export class InvalidDefinitionError extends RuntimeError {
  constructor(readonly issues: string[]) {
    super('INVALID_DEFINITION', `invalid server definition: ${issues.join('; ')}`);
  }
}

export class RuntimeShutDownError extends RuntimeError {
  constructor() {
    super('SHUT_DOWN', 'the runtime is shut down and starts no more instances');
  }
}
