'use strict';
// Starting, watching and stopping the platform's service processes: shared by the launcher (`npm start`),
// the integration/end-to-end tests and the bench, so all of them run the services the same way.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { entryOf } = require('./services.cjs');

const ROOT = path.resolve(__dirname, '..', '..');
const TAIL_LINES = 40;

/**
 * @typedef {import('./services.cjs').ServiceDef} ServiceDef
 * @typedef {((line: string) => void) & { close?: () => void }} LogSink
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} ExitStatus
 * @typedef {{
 *   name: string, pid: number, port: number, url: string,
 *   exitStatus: ExitStatus | null,
 *   exited: Promise<ExitStatus>,
 *   kill(signal?: NodeJS.Signals): void,
 *   tail(lines?: number): string
 * }} ServiceHandle
 * @typedef {{ natsUrl?: string, databaseUrl?: string, redisUrl?: string }} InfraUrls
 */

/**
 * The environment a service needs on top of the inherited one: where the infrastructure is, its port, its
 * schema, and the admin token for the gateway.
 * @param {ServiceDef} def
 * @param {InfraUrls} infra
 * @param {{ port?: number, adminToken?: string, extra?: Record<string, string> }} [options]
 * @returns {Record<string, string>}
 */
function serviceEnv(def, infra, { port = def.port, adminToken, extra = {} } = {}) {
  /** @type {Record<string, string>} */
  const env = { HTTP_PORT: String(port) };
  if (infra.natsUrl) env.NATS_URL = infra.natsUrl;
  if (def.schema) {
    if (infra.databaseUrl) env.DATABASE_URL = infra.databaseUrl;
    env.DATABASE_SCHEMA = def.schema;
  }
  if (def.redis && infra.redisUrl) env.REDIS_URL = infra.redisUrl;
  if (def.name === 'gateway') {
    if (!adminToken) throw new Error('the gateway needs an admin token (ADMIN_TOKEN)');
    env.ADMIN_TOKEN = adminToken;
  }
  return { ...env, ...extra };
}

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93];
let nextColor = 0;

/** Makes a pino JSON line readable in a terminal; any other line passes through unchanged. */
function formatLogLine(line) {
  if (!line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { level, time, msg, context, err, stack, service, instance, pid, hostname, ...rest } = entry;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  const trace = err?.stack ?? stack;
  return `${clock} ${String(level ?? '').padEnd(5)} ${context ? `[${context}] ` : ''}${msg ?? ''}${extra}${trace ? `\n${trace}` : ''}`;
}

/**
 * Writes each line to the terminal as `name | line`, a colour per service when the terminal has colours.
 * @returns {LogSink}
 */
function prefixSink(name, { width = 12, stream = process.stdout } = {}) {
  const color = COLORS[nextColor++ % COLORS.length];
  const label = stream.isTTY ? `\x1b[${color}m${name.padEnd(width)}\x1b[0m` : name.padEnd(width);
  return (line) => {
    for (const part of formatLogLine(line).split('\n')) stream.write(`${label} | ${part}\n`);
  };
}

/**
 * Appends each line to a file, synchronously, so a failing test can read everything up to the failure.
 * @returns {LogSink}
 */
function fileSink(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a');
  let open = true;
  const sink = (line) => open && fs.writeSync(fd, `${line}\n`);
  sink.close = () => {
    if (open) fs.closeSync(fd);
    open = false;
  };
  return sink;
}

/** @param {...LogSink} sinks @returns {LogSink} */
function teeSink(...sinks) {
  const sink = (line) => sinks.forEach((s) => s(line));
  sink.close = () => sinks.forEach((s) => s.close?.());
  return sink;
}

/**
 * Starts one service from its compiled entry point. It gets its own process group: a Ctrl-C in the terminal
 * then reaches only the launcher, which stops services in order, and SIGKILL can take its children along.
 * @param {ServiceDef} def
 * @param {{ env?: Record<string, string>, port?: number, logSink?: LogSink, entry?: string, cwd?: string, node?: string }} [options]
 *   `env` is laid over the inherited environment; `entry` defaults to the built main.js
 * @returns {ServiceHandle}
 */
function startService(
  def,
  { env = {}, port = def.port, logSink = prefixSink(def.name), entry, cwd = ROOT, node = process.execPath } = {},
) {
  const main = path.resolve(cwd, entry ?? entryOf(def.name));
  if (!fs.existsSync(main))
    throw new Error(`${def.name}: ${main} does not exist; build first (node scripts/build.cjs)`);
  const child = spawn(node, [main], {
    cwd,
    env: { ...process.env, ...env, HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  /** @type {string[]} */
  const recent = [];
  const onLine = (line) => {
    recent.push(line);
    if (recent.length > TAIL_LINES) recent.shift();
    logSink(line);
  };
  readline.createInterface({ input: child.stdout }).on('line', onLine);
  readline.createInterface({ input: child.stderr }).on('line', onLine);

  /** @type {ServiceHandle} */
  const handle = {
    name: def.name,
    pid: /** @type {number} */ (child.pid),
    port,
    url: `http://127.0.0.1:${port}`,
    exitStatus: null,
    exited: new Promise((resolve) => {
      const finish = (status) => {
        if (handle.exitStatus) return;
        handle.exitStatus = status;
        resolve(status);
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      child.once('error', (err) => {
        onLine(`could not start ${def.name}: ${err.message}`);
        finish({ code: null, signal: null });
      });
    }),
    kill(signal = 'SIGTERM') {
      // SIGKILL goes to the whole group so nothing the service spawned outlives it; other signals go to the
      // service alone, which shuts its children down itself.
      try {
        if (signal === 'SIGKILL' && child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    },
    tail: (lines = TAIL_LINES) => recent.slice(-lines).join('\n'),
  };
  return handle;
}

/**
 * Polls `<url>/ready` until it answers 200; resolves with the parsed body.
 * @param {string} url service base URL
 * @param {number} timeoutMs
 * @param {{ intervalMs?: number, exited?: Promise<unknown> }} [options] `exited`: give up as soon as it settles
 */
async function waitReady(url, timeoutMs, { intervalMs = 250, exited } = {}) {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  exited?.then(() => (gone = true));
  let last = 'no answer yet';
  for (;;) {
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      if (res.status === 200) return body ? JSON.parse(body) : {};
      last = `${res.status} ${body.slice(0, 300)}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    if (gone) throw new Error(`${url} exited before it was ready (last /ready: ${last})`);
    if (Date.now() >= deadline) {
      throw new Error(`${url}/ready did not answer 200 within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Kills whatever the service left behind in its process group and waits (briefly) until it is gone. */
async function killGroup(pid, waitMs = 2000) {
  const deadline = Date.now() + waitMs;
  for (let signalled = false; Date.now() < deadline; signalled = true) {
    try {
      process.kill(-pid, signalled ? 0 : 'SIGKILL');
    } catch {
      return; // no process left in the group
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Stops services: SIGTERM to each, SIGKILL to whatever still runs after `timeoutMs`.
 * @param {ServiceHandle[]} handles
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<{ name: string, status: ExitStatus, killed: boolean }[]>}
 */
async function stopAll(handles, { timeoutMs = 15000 } = {}) {
  return Promise.all(
    handles.map(async (handle) => {
      let killed = false;
      if (!handle.exitStatus) {
        handle.kill('SIGTERM');
        const timer = setTimeout(() => {
          killed = true;
          handle.kill('SIGKILL');
        }, timeoutMs);
        await handle.exited;
        clearTimeout(timer);
      }
      await killGroup(handle.pid);
      return { name: handle.name, status: /** @type {ExitStatus} */ (handle.exitStatus), killed };
    }),
  );
}

module.exports = { serviceEnv, startService, waitReady, stopAll, prefixSink, fileSink, teeSink, formatLogLine };
