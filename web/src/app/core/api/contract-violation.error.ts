/** The gateway answered 2xx with a body that does not match `@portcullis/contracts`. */
export class ContractViolationError extends Error {
  constructor(
    readonly endpoint: string,
    readonly issues: string,
  ) {
    super(`Response from ${endpoint} does not match the contract: ${issues}`);
    this.name = 'ContractViolationError';
  }
}
