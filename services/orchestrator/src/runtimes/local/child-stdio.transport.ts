import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { CallActivity } from './call-activity';

export type SandboxProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * MCP over the stdio of a process the supervisor spawned. The SDK's StdioClientTransport spawns its own process;
 * here the supervisor owns the process (sandbox, process group, restarts), so the transport only moves messages.
 * Closing it ends the server's stdin, which is how the stdio transport asks a server to exit.
 */
export class ChildStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly buffer = new ReadBuffer();
  private closed = false;

  constructor(
    private readonly child: SandboxProcess,
    private readonly activity: CallActivity,
  ) {}

  start(): Promise<void> {
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stdout.on('error', (error) => this.onerror?.(error));
    // EPIPE when the server died with a request on its way; the exit is reported through 'close'.
    this.child.stdin.on('error', (error) => this.onerror?.(error));
    this.child.once('close', () => this.finish());
    return Promise.resolve();
  }

  private receive(chunk: Buffer): void {
    try {
      this.buffer.append(chunk);
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.buffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a stray console.log): reported, then the next line.
        this.onerror?.(new Error(`stdout line is not JSON-RPC: ${(error as Error).message}`));
        continue;
      }
      if (!message) return;
      this.activity.received(message);
      this.onmessage?.(message);
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed || !this.child.stdin.writable) return Promise.reject(new Error('the server process is gone'));
    this.activity.sent(message);
    return new Promise((resolve, reject) => {
      this.child.stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    this.child.stdin.end();
    this.finish();
    return Promise.resolve();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
