import { createServer } from 'node:net';

/** Below Linux's default ephemeral range (32768–60999), so outgoing connections cannot take the port first. */
const LOW = 20_000;
const HIGH = 32_000;

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });

/**
 * A port for a service a test starts. A port the kernel picks (listen on 0) comes from the ephemeral range, where
 * the next outgoing connection may take it before the service binds it; these ports are never handed out that way.
 */
export async function freeServicePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${LOW} and ${HIGH}`);
}
