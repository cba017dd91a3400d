import { Inject, Injectable } from '@nestjs/common';
import type { JsonRpcMessage } from '@portcullis/contracts';
import { LOGGER } from '@portcullis/service-kit';
import type { Logger } from 'pino';
import { ToolArgumentsValidator } from './tool-arguments-validator';

/**
 * Checks `tools/call` arguments against the tool's `inputSchema` before the call leaves the gateway. Invalid
 * arguments are answered as a tool error (`isError`), as MCP 2025-11-25 asks, so the model can read and correct them.
 */
@Injectable()
export class ToolCallGuard {
  private readonly validator = new ToolArgumentsValidator();

  constructor(@Inject(LOGGER) private readonly log: Logger) {}

  /** The answer to send instead of forwarding, or undefined when the call may go on. */
  refusal(id: string | number, tool: string, inputSchema: unknown, args: unknown): JsonRpcMessage | undefined {
    if (inputSchema === undefined) return undefined;
    const check = this.validator.check(inputSchema, args ?? {});
    if (check.ok) return undefined;
    if (check.reason === 'unusable-schema') {
      // The server validates its own arguments too; refusing every call of a tool with an odd schema would be worse.
      this.log.warn({ tool, reason: check.message }, 'tool schema cannot be validated at the gateway; forwarding');
      return undefined;
    }
    return {
      jsonrpc: '2.0',
      id,
      result: {
        content: [{ type: 'text', text: `Invalid arguments for tool ${tool}: ${check.message}` }],
        isError: true,
      },
    };
  }
}
