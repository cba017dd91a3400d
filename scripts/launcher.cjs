'use strict';
// What `npm start` runs (through bootstrap.cjs, under Node 24): infrastructure, build, the seven services and
// the web console on one machine, supervised until Ctrl-C. Flags: --no-web (services only).
// Environment: PORTCULLIS_DATA_DIR (default .data), NATS_URL / DATABASE_URL / REDIS_URL (use those servers),
// ADMIN_TOKEN (instead of the generated one).
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { SERVICES, WEB_PORT, entryOf } = require('./lib/services.cjs');
const { ensureInfra } = require('./lib/infra.cjs');
const { serviceEnv, startService, waitReady, stopAll, prefixSink, fileSink, teeSink } = require('./lib/processes.cjs');
const { startWebServer } = require('./serve-web.cjs');

const ROOT = path.resolve(__dirname, '..');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;
const MAX_BACKOFF_MS = 30_000;
const STABLE_AFTER_MS = 60_000;
const EX_CONFIG = 78;
const WEB_ROOT = path.join(ROOT, 'dist', 'web', 'browser');

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const log = (message) => console.log(`${bold('[launcher]')} ${message}`);

/** Latest modification time under the given paths, ignoring installed and generated folders. */
function newestMtime(paths) {
  const skip = new Set(['node_modules', 'dist', '.angular', '.nx', 'coverage']);
  let newest = 0;
  const visit = (p) => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) return;
    if (!stat.isDirectory()) {
      newest = Math.max(newest, stat.mtimeMs);
      return;
    }
    for (const entry of fs.readdirSync(p)) if (!skip.has(entry)) visit(path.join(p, entry));
  };
  paths.forEach((p) => visit(path.join(ROOT, p)));
  return newest;
}

/** Runs a build step unless its stamp (written after the last success) is newer than every source. */
async function buildIfStale(state, { name, sources, outputs, stamp, command, args }) {
  const stampTime = fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const complete = outputs.every((file) => fs.existsSync(file));
  if (complete && stampTime > newestMtime(sources)) {
    log(`${name}: up to date`);
    return;
  }
  log(`${name}: building (${[command, ...args].map((a) => path.relative(ROOT, a) || a).join(' ')})`);
  const started = Date.now();
  // The project's Node first on PATH, so tools started through npm run under it too.
  const env = {
    ...process.env,
    PATH: [path.dirname(process.execPath), path.join(ROOT, 'node_modules', '.bin'), process.env.PATH].join(
      path.delimiter,
    ),
  };
  const code = await new Promise((resolve) => {
    state.build = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    state.build.once('exit', (c) => resolve(c));
    state.build.once('error', (err) => {
      log(`${name}: ${err.message}`);
      resolve(1);
    });
  });
  state.build = null;
  if (state.stopping) return;
  if (code !== 0) throw new Error(`${name} build failed (exit code ${code})`);
  // Stamped with the start time, so a source saved while the build ran still counts as newer.
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, new Date(started).toISOString());
  fs.utimesSync(stamp, new Date(started), new Date(started));
  log(`${name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function build(state, { web }) {
  const script = 'scripts/build.cjs';
  await buildIfStale(state, {
    name: 'services',
    sources: ['libs', 'services', 'package-lock.json', 'tsconfig.base.json', '.swcrc', script],
    outputs: SERVICES.map((s) => path.join(ROOT, entryOf(s.name))),
    stamp: path.join(ROOT, 'dist', '.services-built'),
    command: process.execPath,
    args: [path.join(ROOT, script)],
  });
  if (!web || state.stopping) return;
  await buildIfStale(state, {
    name: 'web console',
    sources: ['web', 'libs/contracts', 'package-lock.json'],
    outputs: [path.join(WEB_ROOT, 'index.html')],
    // Outside dist/web, which the Angular build empties.
    stamp: path.join(ROOT, 'dist', '.web-built'),
    command: process.platform === 'win32' ? 'npm.cmd' : 'npm',
    args: ['run', 'build', '-w', '@portcullis/web'],
  });
}

/** The admin token: ADMIN_TOKEN if set, else the one generated on first start and kept in the data dir. */
function adminToken(dataDir) {
  if (process.env.ADMIN_TOKEN) {
    if (process.env.ADMIN_TOKEN.length < 32) throw new Error('ADMIN_TOKEN must be at least 32 characters');
    return { token: process.env.ADMIN_TOKEN, source: 'the ADMIN_TOKEN variable' };
  }
  const file = path.join(dataDir, 'admin-token');
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, `pc_admin_${crypto.randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  fs.chmodSync(file, 0o600);
  return { token: fs.readFileSync(file, 'utf8').trim(), source: path.relative(ROOT, file) || file };
}

function portInUse(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(false)));
  });
}

async function assertPortsFree(web) {
  const wanted = [
    ...SERVICES.map((s) => ({ port: s.port, who: s.name })),
    ...(web ? [{ port: WEB_PORT, who: 'web console' }] : []),
  ];
  const busy = [];
  for (const { port, who } of wanted) if (await portInUse(port)) busy.push(`${port} (${who})`);
  if (busy.length) {
    throw new Error(`port ${busy.join(', ')} already in use; is Portcullis already running? Stop it or free the port`);
  }
}

const describeExit = ({ code, signal }) => (signal ? `signal ${signal}` : `exit code ${code}`);

/**
 * Starts a service and starts it again, with exponential backoff, whenever it exits on its own; except after
 * EX_CONFIG, the services' exit code for a rejected environment, which no restart can fix.
 */
function supervise(state, def, env, dataDir) {
  const sink = teeSink(prefixSink(def.name), fileSink(path.join(dataDir, 'logs', `${def.name}.log`)));
  let giveUp = () => undefined;
  const gaveUp = new Promise((resolve) => (giveUp = resolve));
  const entry = { def, handle: null, failures: 0, timer: null, sink, gaveUp, configRejected: false };
  const launch = () => {
    const startedAt = Date.now();
    entry.handle = startService(def, { env, logSink: sink });
    entry.handle.exited.then((status) => {
      if (state.stopping) return;
      if (status.code === EX_CONFIG) {
        entry.configRejected = true;
        log(`${def.name} rejected its configuration (exit code ${EX_CONFIG}); not restarting it`);
        giveUp();
        return;
      }
      if (Date.now() - startedAt > STABLE_AFTER_MS) entry.failures = 0;
      const delay = Math.min(1000 * 2 ** entry.failures, MAX_BACKOFF_MS);
      entry.failures += 1;
      log(`${def.name} exited unexpectedly (${describeExit(status)}); restart #${entry.failures} in ${delay / 1000} s`);
      entry.timer = setTimeout(launch, delay);
    });
  };
  launch();
  return entry;
}

/** Waits for every /ready, printing progress; on timeout names who is not ready with the end of its log. */
async function waitAllReady(entries) {
  const started = Date.now();
  const pending = new Set(entries.map((e) => e.def.name));
  let shown = '';
  let shownAt = 0;
  // A line when the picture changes, and every 10 s while it does not, so a slow start never looks stuck.
  const progress = () => {
    const waiting = pending.size ? ` (waiting for ${[...pending].join(', ')})` : '';
    const line = `ready ${entries.length - pending.size}/${entries.length}${waiting}`;
    if (line !== shown || Date.now() - shownAt >= 10_000) {
      log(`${line} ${Math.round((Date.now() - started) / 1000)} s`);
      shown = line;
      shownAt = Date.now();
    }
  };
  const ticker = setInterval(progress, 1000);
  const allReady = Promise.allSettled(
    entries.map((e) =>
      waitReady(e.handle.url, READY_TIMEOUT_MS).then(() => {
        pending.delete(e.def.name);
        progress();
      }),
    ),
  );
  // A rejected configuration ends the wait at once (after a moment, as the others usually fail alike).
  const firstGaveUp = Promise.race(entries.map((e) => e.gaveUp)).then(() => new Promise((r) => setTimeout(r, 1500)));
  await Promise.race([allReady, firstGaveUp]);
  clearInterval(ticker);
  if (pending.size) {
    const why = (e) =>
      e.configRejected ? 'it rejected its configuration' : `not ready after ${READY_TIMEOUT_MS / 1000} s`;
    const details = entries
      .filter((e) => pending.has(e.def.name))
      .map((e) => `--- ${e.def.name}: ${why(e)}; last log lines:\n${e.handle.tail(20) || '(no output)'}`);
    throw new Error(`${[...pending].join(', ')} did not get ready\n${details.join('\n')}`);
  }
}

function printSummary({ web, token, tokenSource }) {
  const rows = SERVICES.map((s) => {
    const base = `http://127.0.0.1:${s.port}`;
    return [s.name, `${base}/health`, `${base}/ready`, `${base}/metrics`];
  });
  const header = ['service', 'health', 'ready', 'metrics'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `  ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd();
  const gateway = SERVICES.find((s) => s.name === 'gateway');
  console.log(
    [
      '',
      `  ${bold('Portcullis is running')}`,
      '',
      `  Web console   ${web ? `http://127.0.0.1:${WEB_PORT}` : '(not started)'}`,
      `  MCP endpoint  http://127.0.0.1:${gateway.port}/v1/mcp/default  (one server: /v1/mcp/default/servers/<server>; see portcullis.yaml)`,
      '',
      line(header),
      ...rows.map(line),
      '',
      `  Sign in with the admin token: ${token}`,
      `  (from ${tokenSource})`,
      '',
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

async function shutdown(state, code) {
  if (state.stopping) return;
  state.stopping = true;
  log('stopping…');
  state.build?.kill('SIGTERM');
  for (const entry of state.entries) clearTimeout(entry.timer);
  await state.web?.close();
  const results = await stopAll(state.entries.map((e) => e.handle).filter(Boolean), { timeoutMs: STOP_TIMEOUT_MS });
  for (const r of results.filter((r) => r.killed))
    log(`${r.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killed`);
  state.entries.forEach((e) => e.sink.close());
  // Infrastructure still starting is awaited, so nothing we started outlives us.
  const infra = await state.infra?.catch(() => null);
  if (infra) {
    await infra.stop();
    if (infra.started.length) log(`stopped ${infra.started.join(', ')}`);
  }
  log('stopped');
  process.exit(code);
}

async function main(argv) {
  const wantWeb = !argv.includes('--no-web');
  const dataDir = path.resolve(ROOT, process.env.PORTCULLIS_DATA_DIR || '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  const state = { stopping: false, build: null, infra: null, entries: [], web: null };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void shutdown(state, 0));

  try {
    await assertPortsFree(wantWeb);
    state.infra = ensureInfra({ dataDir, log });
    const infra = await state.infra;
    if (state.stopping) return;
    await build(state, { web: wantWeb });
    if (state.stopping) return;
    const { token, source } = adminToken(dataDir);
    for (const def of SERVICES) {
      const env = serviceEnv(def, infra, { adminToken: token });
      state.entries.push(supervise(state, def, env, dataDir));
    }
    await waitAllReady(state.entries);
    if (state.stopping) return;
    if (wantWeb) {
      const gateway = SERVICES.find((s) => s.name === 'gateway');
      state.web = await startWebServer({
        port: WEB_PORT,
        root: WEB_ROOT,
        gatewayUrl: `http://127.0.0.1:${gateway.port}`,
      });
    }
    printSummary({ web: !!state.web, token, tokenSource: source });
  } catch (err) {
    if (state.stopping) return;
    console.error(`\n[launcher] ${err.message}\n`);
    await shutdown(state, 1);
  }
}

main(process.argv.slice(2));
