import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * When the client last asked the server for something, and which of its requests are still unanswered. Only the
 * client's traffic counts: a chatty server (logging, list_changed) must not keep itself alive, and a long call in
 * flight must not be reaped however long it takes.
 */
export class CallActivity {
  private lastAt = Date.now();
  private readonly pending = new Set<RequestId>();

  sent(message: JSONRPCMessage): void {
    this.lastAt = Date.now();
    if (isJSONRPCRequest(message)) this.pending.add(message.id);
  }

  received(message: JSONRPCMessage): void {
    if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) {
      if (this.pending.delete(message.id)) this.lastAt = Date.now();
    }
  }

  /** A new process has no requests in flight; its idle time counts from its start. */
  reset(): void {
    this.pending.clear();
    this.lastAt = Date.now();
  }

  /** Milliseconds since the last call ended, or 0 while one is in flight. */
  idleFor(now = Date.now()): number {
    return this.pending.size > 0 ? 0 : now - this.lastAt;
  }
}
