#!/usr/bin/env node
/**
 * The server the official MCP conformance suite (`@modelcontextprotocol/conformance`, server mode) expects: the tools,
 * resources and prompts its scenarios call by name. One program, two transports: stdio (how the orchestrator runs it,
 * sandboxed, behind the gateway) and Streamable HTTP with `--http <port>` (the direct baseline). Runs on Node 24's
 * type stripping, so it has no build step and uses only erasable TypeScript.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type EventStore, StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type ElicitRequestFormParams,
  ElicitResultSchema,
  type JSONRPCMessage,
  ListToolsRequestSchema,
  type ListToolsResult,
  type LoggingLevel,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const LEVELS: LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];
const WATCHED = 'test://watched-resource';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 1×1 PNG of one colour, built here rather than pasted: signature, IHDR, IDAT, IEND. */
function onePixelPng(rgb: [number, number, number]): string {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const pixels = deflateSync(Buffer.from([0, ...rgb])); // filter byte, then the pixel
  return Buffer.concat([
    signature,
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]).toString('base64');
}

/** A few milliseconds of 8 kHz mono 16-bit silence as a RIFF/WAVE file. */
function shortWav(samples = 16): string {
  const data = samples * 2;
  const wav = Buffer.alloc(44 + data);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + data, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // channels
  wav.writeUInt32LE(8000, 24); // sample rate
  wav.writeUInt32LE(16000, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(data, 40);
  return wav.toString('base64');
}

const PNG = onePixelPng([32, 96, 224]);
const WAV = shortWav();

/** Published as is in tools/list: the 2020-12 keywords the suite looks for must survive every hop. */
const RICH_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: {
    address: {
      $anchor: 'postalAddress',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

/** One server per client session: the SDK's server object holds that session's state (log level, subscriptions). */
function buildServer(): McpServer {
  const mcp = new McpServer(
    { name: 'portcullis-conformance-fixture', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      instructions: 'Fixture for the MCP conformance suite; every tool, resource and prompt is named after a scenario.',
    },
  );
  let minimumLevel: LoggingLevel = 'info';
  const subscriptions = new Set<string>();

  /** Log lines tied to the running call, so Streamable HTTP carries them on that call's stream. */
  const log = async (extra: ToolExtra, level: LoggingLevel, data: string) => {
    if (LEVELS.indexOf(level) < LEVELS.indexOf(minimumLevel)) return;
    await extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'fixture', data } });
  };
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

  mcp.registerTool('test_simple_text', { description: 'Answers with one text block' }, () =>
    text('Plain text from the conformance fixture.'),
  );
  mcp.registerTool('test_image_content', { description: 'Answers with one PNG image' }, () => ({
    content: [{ type: 'image', data: PNG, mimeType: 'image/png' }],
  }));
  mcp.registerTool('test_audio_content', { description: 'Answers with one WAV clip' }, () => ({
    content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }],
  }));
  mcp.registerTool('test_embedded_resource', { description: 'Answers with an embedded text resource' }, () => ({
    content: [
      {
        type: 'resource',
        resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'Text of an embedded resource.' },
      },
    ],
  }));
  mcp.registerTool(
    'test_multiple_content_types',
    { description: 'Answers with text, an image and a resource' },
    () => ({
      content: [
        { type: 'text', text: 'Three kinds of content follow.' },
        { type: 'image', data: PNG, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ kind: 'mixed', items: 3 }),
          },
        },
      ],
    }),
  );
  mcp.registerTool(
    'test_tool_with_logging',
    { description: 'Logs three lines while it runs', inputSchema: {} },
    async (_args, extra) => {
      for (const [i, line] of [
        'Tool execution started',
        'Tool processing data',
        'Tool execution completed',
      ].entries()) {
        if (i > 0) await sleep(50);
        await log(extra, 'info', line);
      }
      return text('Logged three lines.');
    },
  );
  mcp.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100', inputSchema: {} },
    async (_args, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (const [i, progress] of [0, 50, 100].entries()) {
        if (i > 0) await sleep(50);
        if (progressToken !== undefined)
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `${progress} of 100 done` },
          });
      }
      return text(`Progress reported under token ${String(progressToken)}.`);
    },
  );
  mcp.registerTool('test_error_handling', { description: 'Always fails' }, () => {
    throw new Error('The fixture fails this tool on purpose');
  });
  mcp.registerTool(
    'test_reconnection',
    { description: 'Closes its Streamable HTTP stream mid-call; the result arrives after the client resumes' },
    async (extra) => {
      extra.closeSSEStream?.();
      await sleep(100);
      return text('Finished after the stream was closed.');
    },
  );
  mcp.registerTool(
    'test_sampling',
    { description: 'Asks the client’s model to answer a prompt', inputSchema: { prompt: z.string() } },
    async ({ prompt }, extra) => {
      const answer = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 },
        },
        z.looseObject({ content: z.looseObject({ text: z.string().optional() }) }),
      );
      return text(`LLM response: ${answer.content.text ?? '(no text)'}`);
    },
  );
  const elicit = async (
    extra: ToolExtra,
    message: string,
    properties: ElicitRequestFormParams['requestedSchema']['properties'],
    required: string[],
  ) => {
    const answer = await extra.sendRequest(
      {
        method: 'elicitation/create',
        params: { mode: 'form', message, requestedSchema: { type: 'object', properties, required } },
      },
      ElicitResultSchema,
    );
    return text(`Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
  };
  mcp.registerTool(
    'test_elicitation',
    { description: 'Asks the user one question', inputSchema: { message: z.string() } },
    ({ message }, extra) =>
      elicit(extra, message, { response: { type: 'string', description: 'Your answer' } }, ['response']),
  );
  mcp.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Asks for a form whose fields all carry defaults (SEP-1034)', inputSchema: {} },
    (_args, extra) =>
      elicit(
        extra,
        'Check the prefilled fields',
        {
          name: { type: 'string', description: 'Name', default: 'John Doe' },
          age: { type: 'integer', description: 'Age', default: 30 },
          score: { type: 'number', description: 'Score', default: 95.5 },
          status: { type: 'string', description: 'Status', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', description: 'Verified', default: true },
        },
        [],
      ),
  );
  mcp.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Asks for every enum shape of SEP-1330', inputSchema: {} },
    (_args, extra) => {
      const titled = (prefix: string, labels: string[]) =>
        labels.map((title, i) => ({ const: `${prefix}${i + 1}`, title }));
      return elicit(
        extra,
        'Pick from each list',
        {
          untitledSingle: { type: 'string', description: 'One of three', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            description: 'One of three, with labels',
            oneOf: titled('value', ['Red', 'Green', 'Blue']),
          },
          legacyEnum: {
            type: 'string',
            description: 'One of three, labelled the old way',
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Small', 'Medium', 'Large'],
          },
          untitledMulti: {
            type: 'array',
            description: 'Any of three',
            minItems: 1,
            maxItems: 3,
            items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array',
            description: 'Any of three, with labels',
            minItems: 1,
            maxItems: 3,
            items: { anyOf: titled('value', ['North', 'South', 'East']) },
          },
        },
        [],
      );
    },
  );
  mcp.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Takes arguments described with JSON Schema 2020-12 keywords',
      inputSchema: {
        name: z.string().optional(),
        address: z.object({ street: z.string().optional(), city: z.string().optional() }).optional(),
        contactMethod: z.enum(['phone', 'email']).optional(),
        phone: z.string().optional(),
        email: z.string().optional(),
      },
    },
    (args) => text(`Received ${JSON.stringify(args)}`),
  );
  // The SDK lists schemas it derived from zod, which drops 2020-12 keywords; this tool's is listed verbatim.
  const sdkListTools = handlerOf(mcp, 'tools/list');
  mcp.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const listed = (await sdkListTools(request, extra)) as ListToolsResult;
    return {
      ...listed,
      tools: listed.tools.map((tool) =>
        tool.name === 'json_schema_2020_12_tool' ? { ...tool, inputSchema: RICH_SCHEMA } : tool,
      ),
    };
  });

  mcp.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static text', description: 'Always the same sentence', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'The fixture’s static text resource.' }] }),
  );
  mcp.registerResource(
    'static-binary',
    'test://static-binary',
    { title: 'Static binary', description: 'A one-pixel PNG', mimeType: 'image/png' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }] }),
  );
  mcp.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { title: 'Data by id', description: 'JSON naming the id it was read with', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, uri: uri.href }),
        },
      ],
    }),
  );
  let revision = 1;
  mcp.registerResource(
    'watched-resource',
    WATCHED,
    { title: 'Watched', description: 'Changes every few seconds while subscribed', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Revision ${revision}` }] }),
  );
  const ticker = setInterval(() => {
    if (!subscriptions.has(WATCHED)) return;
    revision++;
    mcp.server.sendResourceUpdated({ uri: WATCHED }).catch(() => undefined);
  }, 3_000);
  ticker.unref();
  mcp.server.onclose = () => clearInterval(ticker);
  mcp.server.setRequestHandler(SubscribeRequestSchema, ({ params }) => {
    subscriptions.add(params.uri);
    return {};
  });
  mcp.server.setRequestHandler(UnsubscribeRequestSchema, ({ params }) => {
    subscriptions.delete(params.uri);
    return {};
  });
  mcp.server.setRequestHandler(SetLevelRequestSchema, ({ params }) => {
    minimumLevel = params.level;
    return {};
  });

  mcp.registerPrompt('test_simple_prompt', { title: 'Simple', description: 'No arguments' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'A prompt without arguments.' } }],
  }));
  const cities = ['paris', 'park', 'party', 'prague', 'test', 'testing', 'tests'];
  mcp.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'With arguments',
      description: 'Two required arguments, the first one completable',
      argsSchema: {
        arg1: completable(z.string().describe('First argument'), (value) => cities.filter((c) => c.startsWith(value))),
        arg2: z.string().describe('Second argument'),
      },
    },
    ({ arg1, arg2 }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `First: ${arg1}; second: ${arg2}` } }],
    }),
  );
  mcp.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'With a resource',
      description: 'Embeds the resource it is given',
      argsSchema: { resourceUri: z.string().describe('Resource to embed') },
    },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded text.' } },
        },
        { role: 'user', content: { type: 'text', text: 'Summarise the resource above.' } },
      ],
    }),
  );
  mcp.registerPrompt('test_prompt_with_image', { title: 'With an image', description: 'Shows a PNG' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Describe the image above.' } },
    ],
  }));
  return mcp;
}

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;

/** The handler the SDK registered for a method, to wrap it (the SDK offers no public way to read it back). */
function handlerOf(mcp: McpServer, method: string): Handler {
  const handlers = (mcp.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const handler = handlers.get(method);
  if (!handler) throw new Error(`the SDK registered no ${method} handler`);
  return handler;
}

/** Keeps every event a session's streams sent, so a client that lost a stream can resume after its last event. */
function memoryEventStore(): EventStore {
  const events: { id: string; stream: string; message: JSONRPCMessage }[] = [];
  return {
    storeEvent: (stream, message) => {
      const id = `${stream}_${String(events.length).padStart(8, '0')}`;
      events.push({ id, stream, message });
      return Promise.resolve(id);
    },
    replayEventsAfter: async (lastEventId, { send }) => {
      const from = events.findIndex((e) => e.id === lastEventId);
      if (from === -1) throw new Error(`unknown event id ${lastEventId}`);
      const { stream } = events[from];
      for (const event of events.slice(from + 1)) if (event.stream === stream) await send(event.id, event.message);
      return stream;
    },
  };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** DNS-rebinding defence of a server bound to loopback: Host, and Origin when sent, must name loopback. */
function fromLoopback(req: IncomingMessage): boolean {
  const hostname = (value: string) => {
    try {
      return new URL(`http://${value}`).hostname;
    } catch {
      return '';
    }
  };
  if (!LOCAL_HOSTS.has(hostname(req.headers.host ?? ''))) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return LOCAL_HOSTS.has(new URL(origin).hostname);
  } catch {
    return false;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4 * 1024 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res
    .writeHead(status, { 'Content-Type': 'application/json' })
    .end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

/** Streamable HTTP on 127.0.0.1, one SDK transport per session; prints the URL as a JSON line once listening. */
async function serveHttp(port: number): Promise<void> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http = createServer((req, res) => {
    void (async () => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return refuse(res, 404, 'not found');
      if (!fromLoopback(req)) return refuse(res, 403, 'Host and Origin must name this machine');
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const transport = sessions.get(sessionId);
        if (!transport) return refuse(res, 404, 'session not found');
        return transport.handleRequest(req, res, req.method === 'POST' ? await readJson(req) : undefined);
      }
      if (req.method !== 'POST') return refuse(res, 400, 'Mcp-Session-Id header required');
      const body = await readJson(req);
      if ((body as { method?: unknown } | undefined)?.method !== 'initialize')
        return refuse(res, 400, 'Mcp-Session-Id header required');
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: memoryEventStore(),
        retryInterval: 1_000,
        onsessioninitialized: (id) => void sessions.set(id, transport),
        onsessionclosed: (id) => void sessions.delete(id),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await buildServer().connect(transport);
      await transport.handleRequest(req, res, body);
    })().catch((error: unknown) => {
      if (!res.headersSent) refuse(res, 400, error instanceof Error ? error.message : String(error));
      else res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${bound}/mcp` })}\n`);
  const stop = () => {
    for (const transport of sessions.values()) void transport.close();
    http.close(() => process.exit(0));
    http.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function main(argv: string[]): Promise<void> {
  const flag = argv.indexOf('--http');
  if (flag === -1) {
    await buildServer().connect(new StdioServerTransport());
    return;
  }
  const port = Number(argv[flag + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('--http needs a port number (0: any)');
  await serveHttp(port);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`conformance fixture: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
