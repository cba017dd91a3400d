import type { BusClient } from '@portcullis/messaging';
import pino from 'pino';
import { StatelessPool } from './stateless-pool';

describe(StatelessPool.name, () => {
  let opened: number;
  let pool: StatelessPool;

  beforeEach(() => {
    opened = 0;
    const request = jest.fn(() =>
      Promise.resolve({
        worker: 'w1',
        sessionId: `s${++opened}`,
        response: {
          jsonrpc: '2.0',
          id: 'pc-stateless-pool',
          result: { capabilities: {}, serverInfo: { name: 'x', version: '1' } },
        },
      }),
    );
    pool = new StatelessPool({ request } as unknown as BusClient, pino({ level: 'silent' }));
  });

  it('should give a call the pooled session while no other call of the caller runs or waits on it', async () => {
    const pooled = await pool.get('g', 'srv', 'default/admin');
    const first = await pool.lease('g', 'srv', 'default/admin');
    expect(first.sessionId).toBe(pooled.sessionId);
    pool.release(first.sessionId);
    expect((await pool.lease('g', 'srv', 'default/admin')).sessionId).toBe(pooled.sessionId);
  });

  it('should run a call on a spare session while another waits for its client, and listeners learn of the spare', async () => {
    const spares: string[] = [];
    pool.spareOpened.on('opened', (_key, session) => spares.push(session.sessionId));
    const parked = await pool.lease('g', 'srv', 'default/admin');
    pool.park('g', 'srv', 'default/admin', parked.sessionId, 60_000);
    const next = await pool.lease('g', 'srv', 'default/admin');
    expect(next.sessionId).not.toBe(parked.sessionId);
    expect(spares).toEqual([next.sessionId]);
    expect(pool.sparesOf('g', 'srv', 'default/admin').sessions.map((s) => s.sessionId)).toEqual([next.sessionId]);
    // Another caller keeps its own sessions.
    expect((await pool.lease('g', 'srv', 'other/alice')).sessionId).not.toBe(next.sessionId);
  });

  it('should give the session back to calls once the parked call is resumed and done, or has expired', async () => {
    const parked = await pool.lease('g', 'srv', 'default/admin');
    pool.park('g', 'srv', 'default/admin', parked.sessionId, 60_000);
    pool.resume(parked.sessionId);
    pool.release(parked.sessionId);
    expect((await pool.lease('g', 'srv', 'default/admin')).sessionId).toBe(parked.sessionId);
    pool.park('g', 'srv', 'default/admin', parked.sessionId, 0);
    expect((await pool.lease('g', 'srv', 'default/admin')).sessionId).toBe(parked.sessionId);
  });

  it('should stop opening spares at its limit and queue the call on the pooled session', async () => {
    const held = new Set<string>();
    for (let i = 0; i < 17; i++) held.add((await pool.lease('g', 'srv', 'default/admin')).sessionId);
    expect(held.size).toBe(17);
    const pooled = await pool.get('g', 'srv', 'default/admin');
    expect((await pool.lease('g', 'srv', 'default/admin')).sessionId).toBe(pooled.sessionId);
    expect(opened).toBe(17);
  });
});
