import { MessagePattern } from '@nestjs/microservices';
import type { RequestContract } from '@portcullis/contracts';

/**
 * Marks a method as the handler of a request contract. The transport validates the request before the handler
 * sees it and the response before it leaves, so the handler only ever receives the contract's type.
 */
export const BusHandler = (contract: RequestContract): MethodDecorator => MessagePattern(contract.subject);
