#!/usr/bin/env node
/**
 * The server the suite's 2026-07-28 scenarios expect, on SDK v2 (`@modelcontextprotocol/server`), which serves both
 * eras from one set of handlers. Handlers are written for the stateless revision: what they need from the client
 * they return as an input-required result (multi round-trip requests). Over Streamable HTTP (`--http <port>`, the
 * direct baseline) a 2026-07-28 client receives that result itself; over stdio (how the orchestrator runs it,
 * sandboxed, behind the gateway) the connection opens with `initialize`, so the SDK's legacy shim turns the same
 * result into 2025-11-25 requests to the client (the gateway) and calls the handler again with the answers.
 * Runs on Node 24's type stripping: no build step, erasable TypeScript only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  acceptedContent,
  type CallToolResult,
  type ClientCapabilities,
  completable,
  createMcpHandler,
  createRequestStateCodec,
  fromJsonSchema,
  hostHeaderValidationResponse,
  inputRequired,
  inputResponse,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  McpServer,
  originValidationResponse,
  ResourceTemplate,
  type ServerContext,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

/** A 1×1 PNG and a few samples of 8 kHz WAV silence (built by `fixture-server.ts`'s helpers). */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNQSHgAAAIEAWFYJMtfAAAAAElFTkSuQmCC';
const WAV = 'UklGRkQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YSAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';
const WATCHED = 'test://watched-resource';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

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
} as const;

/** SEP-2243: `region` travels in the body and in `Mcp-Param-Region`, for proxies to route on. */
const CUSTOM_HEADER_SCHEMA = {
  type: 'object',
  properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
  required: ['region'],
} as const;

/**
 * Why a 2026-07-28 `tools/call` of `test_custom_header` must be refused (SDK 2.3.1 does not check `Mcp-Param-*`
 * itself): the header must be present with the argument and equal it, Base64 sentinel (`=?base64?…?=`) decoded;
 * a value not both opened and closed like the sentinel is literal.
 */
function customHeaderMismatch(body: unknown, headers: Headers): string | undefined {
  const message = body as { method?: unknown; params?: { name?: unknown; arguments?: { region?: unknown } } };
  if (message?.method !== 'tools/call' || message.params?.name !== 'test_custom_header') return undefined;
  const region = message.params.arguments?.region;
  if (typeof region !== 'string') return undefined;
  const raw = headers.get('mcp-param-region')?.trim();
  if (raw === undefined) return 'the Mcp-Param-Region header is required';
  const sentinel = /^=\?base64\?(.*)\?=$/s.exec(raw);
  let value = raw;
  if (sentinel) {
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(sentinel[1]) ? Buffer.from(sentinel[1], 'base64') : undefined;
    if (!decoded || decoded.toString('base64') !== sentinel[1]) return 'Mcp-Param-Region is not valid Base64';
    value = decoded.toString('utf8');
  }
  return value === region ? undefined : 'Mcp-Param-Region does not match the region argument';
}

/** A one-field form, as the scenarios phrase their elicitation requests. */
const form = (field: string, type: 'string' | 'boolean', message: string) =>
  inputRequired.elicit({
    message,
    requestedSchema: {
      type: 'object',
      properties: { [field]: type === 'string' ? { type: 'string' as const } : { type: 'boolean' as const } },
      required: [field],
    },
  });

/**
 * Signed, expiring requestState: the client carries it between rounds and must not be able to alter it. The key
 * lives as long as the process; a state issued by an earlier run fails verification, as it should.
 */
type Round = { tool: string; step: number; name?: string };
const states = createRequestStateCodec<Round>({ key: randomBytes(32), ttlSeconds: 600 });

/** Lists change while subscribed clients listen: the HTTP entry's notifier tells them (stdio tells its client). */
let notifier: ServerNotifier | undefined;
let extraTools = 0;
let extraPrompts = 0;
let revision = 1;

/** What the client declared: the SDK seeds it per request on 2026-07-28, from `initialize` on a 2025-era connection. */
function declared(mcp: McpServer): ClientCapabilities {
  return mcp.server.getClientCapabilities() ?? {};
}

/** One server object per connection (stdio) or per request (HTTP, 2026-07-28); all state is process-wide. */
function buildServer(): McpServer {
  const mcp = new McpServer(
    { name: 'portcullis-conformance-fixture', version: '2.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      instructions: 'Fixture for the MCP conformance suite; every tool, resource and prompt is named after a scenario.',
      requestState: { verify: (state, ctx) => states.verify(state, ctx) },
      cacheHints: Object.fromEntries(
        ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read'].map((m) => [
          m,
          { ttlMs: 30_000, cacheScope: 'public' as const },
        ]),
      ),
    },
  );
  registerContentTools(mcp);
  registerInputTools(mcp);
  registerDiagnosticTools(mcp);
  registerResources(mcp);
  registerPrompts(mcp);
  return mcp;
}

function registerContentTools(mcp: McpServer): void {
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
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100', inputSchema: z.object({}) },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const [i, progress] of [0, 50, 100].entries()) {
        if (i > 0) await sleep(50);
        if (progressToken !== undefined)
          await ctx.mcpReq.notify({
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
    'test_custom_header',
    {
      description: 'Its region argument is mirrored in the Mcp-Param-Region header (SEP-2243)',
      inputSchema: fromJsonSchema<{ region: string }>(CUSTOM_HEADER_SCHEMA),
    },
    ({ region }) => text(`Routed to ${region}.`),
  );
  mcp.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Takes arguments described with JSON Schema 2020-12 keywords',
      inputSchema: fromJsonSchema<Record<string, unknown>>(RICH_SCHEMA),
    },
    (args) => text(`Received ${JSON.stringify(args)}`),
  );
}

/** The multi round-trip tools of SEP-2322, each shaped the way its scenario describes. */
function registerInputTools(mcp: McpServer): void {
  const none = { inputSchema: z.object({}) };
  const name = z.object({ name: z.string() });
  mcp.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks the user for their name, then greets them', ...none },
    (_args, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', name);
      if (!answer) return inputRequired({ inputRequests: { user_name: form('name', 'string', 'What is your name?') } });
      return text(`Hello, ${answer.name}!`);
    },
  );
  mcp.registerTool(
    'test_input_required_result_sampling',
    { description: 'Asks the client’s model a question', ...none },
    (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
      if (answer.kind !== 'sampling')
        return inputRequired({
          inputRequests: {
            capital_question: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
              maxTokens: 100,
            }),
          },
        });
      const content = answer.result.content;
      return text(`The model said: ${!Array.isArray(content) && content.type === 'text' ? content.text : '(no text)'}`);
    },
  );
  mcp.registerTool(
    'test_input_required_result_list_roots',
    { description: 'Asks the client for its roots', ...none },
    (_args, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
      if (answer.kind !== 'roots') return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
      return text(`Roots: ${answer.roots.map((root) => root.uri).join(', ')}`);
    },
  );
  const confirmed = async (tool: string, ctx: ServerContext) => {
    const state = ctx.mcpReq.requestState<Round>();
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', z.object({ ok: z.boolean() }));
    if (state?.tool === tool && answer) return text(`Confirmed (${answer.ok}); state-ok`);
    return inputRequired({
      inputRequests: { confirm: form('ok', 'boolean', 'Please confirm') },
      requestState: await states.mint({ tool, step: 1 }),
    });
  };
  mcp.registerTool(
    'test_input_required_result_request_state',
    { description: 'Asks for a confirmation and checks the state it issued comes back', ...none },
    (_args, ctx) => confirmed('request_state', ctx),
  );
  mcp.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'Like request_state; an altered state is refused', ...none },
    (_args, ctx) => confirmed('tampered_state', ctx),
  );
  mcp.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'Asks for a name, a model’s greeting and the roots at once', ...none },
    async (_args, ctx) => {
      const responses = ctx.mcpReq.inputResponses;
      const who = acceptedContent(responses, 'user_name', name);
      const greeting = inputResponse(responses, 'greeting');
      const roots = inputResponse(responses, 'client_roots');
      if (who && greeting.kind === 'sampling' && roots.kind === 'roots')
        return text(`${who.name}, ${roots.roots.length} root(s), greeting received`);
      return inputRequired({
        inputRequests: {
          ...(who ? {} : { user_name: form('name', 'string', 'What is your name?') }),
          ...(greeting.kind === 'sampling'
            ? {}
            : {
                greeting: inputRequired.createMessage({
                  messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
                  maxTokens: 50,
                }),
              }),
          ...(roots.kind === 'roots' ? {} : { client_roots: inputRequired.listRoots() }),
        },
        requestState: await states.mint({ tool: 'multiple_inputs', step: 1 }),
      });
    },
  );
  mcp.registerTool(
    'test_input_required_result_multi_round',
    { description: 'Asks a name, then a colour, one round each', ...none },
    async (_args, ctx) => {
      const state = ctx.mcpReq.requestState<Round>();
      const responses = ctx.mcpReq.inputResponses;
      if (state?.tool === 'multi_round' && state.step === 2) {
        const colour = acceptedContent(responses, 'step2', z.object({ color: z.string() }));
        if (colour) return text(`${state.name ?? 'Someone'} likes ${colour.color}`);
      }
      const who = state?.tool === 'multi_round' ? acceptedContent(responses, 'step1', name) : undefined;
      if (who)
        return inputRequired({
          inputRequests: { step2: form('color', 'string', 'Step 2: What is your favorite color?') },
          requestState: await states.mint({ tool: 'multi_round', step: 2, name: who.name }),
        });
      return inputRequired({
        inputRequests: { step1: form('name', 'string', 'Step 1: What is your name?') },
        requestState: await states.mint({ tool: 'multi_round', step: 1 }),
      });
    },
  );
  mcp.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Asks only what the client declared it can answer', ...none },
    (_args, ctx) => {
      const can = declared(mcp);
      const responses = ctx.mcpReq.inputResponses;
      const answered = Object.keys(responses ?? {}).length > 0;
      if (answered || (!can.sampling && !can.elicitation)) return text('Nothing more to ask.');
      return inputRequired({
        inputRequests: {
          ...(can.sampling
            ? {
                summary: inputRequired.createMessage({
                  messages: [{ role: 'user', content: { type: 'text', text: 'Summarise the day' } }],
                  maxTokens: 50,
                }),
              }
            : {}),
          ...(can.elicitation ? { mood: form('mood', 'string', 'How are you?') } : {}),
        },
      });
    },
  );
  mcp.registerPrompt(
    'test_input_required_result_prompt',
    { title: 'Needs context', description: 'Asks the user for context before it is rendered' },
    (ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context', z.object({ context: z.string() }));
      if (!answer)
        return inputRequired({
          inputRequests: { user_context: form('context', 'string', 'What context should the prompt use?') },
        });
      return { messages: [{ role: 'user', content: { type: 'text', text: `Context: ${answer.context}` } }] };
    },
  );
}

/** The hooks `server-stateless` probes with: a capability it needs, a stream, log lines, list changes. */
function registerDiagnosticTools(mcp: McpServer): void {
  const none = { inputSchema: z.object({}) };
  mcp.registerTool(
    'test_missing_capability',
    { description: 'Needs sampling; a client without it is told so', ...none },
    (_args, ctx) => {
      if (inputResponse(ctx.mcpReq.inputResponses, 'draft').kind === 'sampling') return text('Drafted.');
      return inputRequired({
        inputRequests: {
          draft: inputRequired.createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: 'Draft a sentence' } }],
            maxTokens: 20,
          }),
        },
      });
    },
  );
  mcp.registerTool(
    'test_streaming_elicitation',
    { description: 'Reports progress, then asks the user a question', ...none },
    async (_args, ctx) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'answer');
      if (answer) return text('Thanks.');
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: ctx.mcpReq._meta?.progressToken ?? 'streaming', progress: 1, total: 2 },
      });
      return inputRequired({ inputRequests: { answer: form('answer', 'string', 'Anything to add?') } });
    },
  );
  mcp.registerTool('test_logging_tool', { description: 'Logs two lines', ...none }, async (_args, ctx) => {
    await ctx.mcpReq.log('info', 'Logging tool started', 'fixture');
    await sleep(20);
    await ctx.mcpReq.log('info', 'Logging tool finished', 'fixture');
    return text('Logged two lines.');
  });
  mcp.registerTool('test_tool_with_logging', { description: 'Logs three lines', ...none }, async (_args, ctx) => {
    for (const line of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) {
      await ctx.mcpReq.log('info', line, 'fixture');
      await sleep(20);
    }
    return text('Logged three lines.');
  });
  // Registering on a connected server tells its (stdio) client; listeners over HTTP hear it from the notifier.
  mcp.registerTool('test_trigger_tool_change', { description: 'Adds a tool', ...none }, () => {
    addTool(mcp, ++extraTools);
    notifier?.toolsChanged();
    return text(`The tool list changed (${extraTools}).`);
  });
  mcp.registerTool('test_trigger_prompt_change', { description: 'Adds a prompt', ...none }, () => {
    addPrompt(mcp, ++extraPrompts);
    notifier?.promptsChanged();
    return text(`The prompt list changed (${extraPrompts}).`);
  });
  for (let i = 1; i <= extraTools; i++) addTool(mcp, i);
}

const addTool = (mcp: McpServer, i: number) =>
  mcp.registerTool(`test_added_tool_${i}`, { description: 'Added by test_trigger_tool_change' }, () =>
    text(`Added tool ${i}.`),
  );
const addPrompt = (mcp: McpServer, i: number) =>
  mcp.registerPrompt(`test_added_prompt_${i}`, { description: 'Added by test_trigger_prompt_change' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Added prompt ${i}.` } }],
  }));

function registerResources(mcp: McpServer): void {
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
  mcp.registerResource(
    'watched-resource',
    WATCHED,
    { title: 'Watched', description: 'Changes every few seconds', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `Revision ${revision}` }] }),
  );
}

function registerPrompts(mcp: McpServer): void {
  mcp.registerPrompt('test_simple_prompt', { title: 'Simple', description: 'No arguments' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'A prompt without arguments.' } }],
  }));
  const cities = ['paris', 'park', 'party', 'prague', 'test', 'testing', 'tests'];
  mcp.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'With arguments',
      description: 'Two required arguments, the first one completable',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First argument'), (value) => cities.filter((c) => c.startsWith(value))),
        arg2: z.string().describe('Second argument'),
      }),
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
      argsSchema: z.object({ resourceUri: z.string().describe('Resource to embed') }),
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
  for (let i = 1; i <= extraPrompts; i++) addPrompt(mcp, i);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4 * 1024 * 1024) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** node:http in front of the SDK's web-standard handler; a client hanging up aborts the request it made. */
async function serveFetch(
  req: IncomingMessage,
  res: ServerResponse,
  fetch: (request: Request) => Promise<Response>,
): Promise<void> {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers))
    for (const item of [value ?? []].flat()) headers.append(key, item);
  const body = req.method !== 'GET' && req.method !== 'HEAD' ? await readBody(req) : undefined;
  const request = new Request(new URL(req.url ?? '/', 'http://127.0.0.1'), {
    method: req.method,
    headers,
    signal: abort.signal,
    ...(body === undefined ? {} : { body }),
  });
  const response = await fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  res.flushHeaders();
  try {
    for await (const chunk of response.body) res.write(chunk);
  } finally {
    res.end();
  }
}

/** Streamable HTTP on 127.0.0.1 (both eras; 2025-11-25 served statelessly); prints the URL as a JSON line. */
async function serveHttp(port: number): Promise<void> {
  const handler = createMcpHandler(() => buildServer());
  notifier = handler.notify;
  const hosts = localhostAllowedHostnames();
  const origins = localhostAllowedOrigins();
  const http = createServer((req, res) => {
    void serveFetch(req, res, async (request) => {
      if (new URL(request.url).pathname !== '/mcp') return new Response('not found', { status: 404 });
      const rejected = hostHeaderValidationResponse(request, hosts) ?? originValidationResponse(request, origins);
      if (rejected) return rejected;
      const body: unknown = await request
        .clone()
        .json()
        .catch(() => undefined);
      const mismatch = customHeaderMismatch(body, request.headers);
      if (mismatch) {
        const id = (body as { id?: unknown }).id ?? null;
        const error = { code: -32020, message: `Header mismatch: ${mismatch}` };
        return Response.json({ jsonrpc: '2.0', id, error }, { status: 400 });
      }
      return handler.fetch(request);
    }).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  const address = http.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${bound}/mcp` })}\n`);
  const stop = () => {
    void handler.close();
    http.close(() => process.exit(0));
    http.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function main(argv: string[]): Promise<void> | void {
  const ticker = setInterval(() => {
    revision++;
    notifier?.resourceUpdated(WATCHED);
  }, 3_000);
  ticker.unref();
  const flag = argv.indexOf('--http');
  if (flag === -1) {
    serveStdio(() => buildServer());
    return;
  }
  const port = Number(argv[flag + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('--http needs a port number (0: any)');
  return serveHttp(port);
}

Promise.resolve()
  .then(() => main(process.argv.slice(2)))
  .catch((error: unknown) => {
    process.stderr.write(`conformance fixture: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
