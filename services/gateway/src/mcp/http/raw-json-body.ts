import type { FastifyInstance } from 'fastify';

/** MCP routes parse their own bodies: invalid JSON must become JSON-RPC -32700, not an HTTP problem document. */
export const MCP_PATH_PREFIX = '/v1/mcp/';

export function registerRawJsonBodyForMcp(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (request.url.startsWith(MCP_PATH_PREFIX)) return done(null, text);
    if (text.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
}
