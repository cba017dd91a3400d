import type { Browser, BrowserContext } from 'playwright-core';

import { ConsolePage } from './console-page';
import { ensureConsoleBuild } from './ensure-console-build';
import { type GatewayStub, startGatewayStub } from './gateway-stub';
import { launchChromium } from './launch-chromium';

const ADMIN_TOKEN = 'pc_admin_e2e-token';
const PLATFORM_SERVICES = ['gateway', 'registry', 'orchestrator', 'llm-proxy', 'guard', 'audit', 'apps'];
// One poll interval (5 s) plus slack: long enough to prove polling, short enough to notice a stall.
const NEXT_POLL_TIMEOUT_MS = 9_000;

// Set here because Jest ignores `testTimeout` inside a `projects` entry.
jest.setTimeout(60_000);

describe('Portcullis console', () => {
  let browser: Browser;
  let gateway: GatewayStub;
  let context: BrowserContext;
  let ui: ConsolePage;
  let pageErrors: string[];
  let foreignRequests: string[];

  beforeAll(async () => {
    const root = ensureConsoleBuild();
    gateway = await startGatewayStub({ root, adminToken: ADMIN_TOKEN });
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  beforeEach(async () => {
    gateway.mode = 'healthy';
    pageErrors = [];
    foreignRequests = [];
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (!request.url().startsWith(gateway.url) && !request.url().startsWith('data:')) {
        foreignRequests.push(request.url());
      }
    });
    ui = new ConsolePage(page, gateway.url);
  });

  afterEach(async () => {
    await context.close();
  });

  it('should send an unauthenticated visitor from /health to sign-in', async () => {
    await ui.open('/health');

    await ui.waitForPath('/sign-in');
    await ui.tokenInput.waitFor();
    expect(new URL(ui.page.url()).searchParams.get('returnUrl')).toBe('/health');
    expect(await ui.page.getByText('Your session ended').count()).toBe(0);
    await ui.screenshot('sign-in');
  });

  it('should reject a wrong token on the form', async () => {
    await ui.submitToken('not-the-admin-token');

    await ui.signInError.waitFor();
    expect(await ui.signInError.innerText()).toBe('That token was not accepted');
    expect(ui.pathname()).toBe('/sign-in');
    await ui.screenshot('sign-in-rejected');
  });

  it('should show every platform service as ready after signing in with the admin token', async () => {
    await ui.open('/health');
    await ui.signIn(ADMIN_TOKEN);

    const banner = await ui.waitForBanner('ready');
    expect(banner.text).toContain('All systems ready');
    const rows = await ui.readServiceStatuses();
    expect(rows.map((row) => row.name)).toEqual(PLATFORM_SERVICES);
    expect(rows.every((row) => row.status === 'ready')).toBe(true);
    expect(rows.find((row) => row.name === 'registry')).toEqual({
      name: 'registry',
      status: 'ready',
      checks: { nats: 'up', postgres: 'up', redis: 'up' },
      version: '0.1.0',
      uptime: '1d 1h',
    });
    expect(rows.find((row) => row.name === 'gateway')?.uptime).toBe('1h 2m');
    await ui.actor.waitFor();
    expect(await ui.actor.innerText()).toContain('admin');
    expect(await ui.lastChecked.innerText()).toMatch(/^Last checked \d{1,2}:\d{2}:\d{2}/);
    await ui.screenshot('health-ready');

    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('should show a degraded service in the banner and its chip on the next poll', async () => {
    await ui.signIn(ADMIN_TOKEN);
    await ui.waitForBanner('ready');

    gateway.mode = 'degraded';

    const banner = await ui.waitForBanner('degraded', NEXT_POLL_TIMEOUT_MS);
    expect(banner.text).toContain('Platform degraded');
    expect(banner.text).toContain('guard (not ready)');
    expect(banner.text).toContain('audit (unreachable)');
    const rows = await ui.readServiceStatuses();
    expect(rows.find((row) => row.name === 'guard')).toMatchObject({
      status: 'not_ready',
      checks: { nats: 'up', postgres: 'down' },
    });
    expect(rows.find((row) => row.name === 'audit')).toMatchObject({
      status: 'unreachable',
      version: '—',
      uptime: '—',
    });
    expect(rows.filter((row) => row.status === 'ready')).toHaveLength(5);
    await ui.screenshot('health-degraded');
  });

  it('should keep the session across a reload and end it on sign-out', async () => {
    await ui.signIn(ADMIN_TOKEN);
    await ui.page.reload();
    await ui.waitForServiceTable();
    await ui.actor.waitFor();

    await ui.signOut();
    await ui.open('/health');

    await ui.waitForPath('/sign-in');
    await ui.tokenInput.waitFor();
  });

  it('should return to sign-in when the gateway stops accepting the token', async () => {
    await ui.signIn(ADMIN_TOKEN);

    gateway.mode = 'unauthorized';
    await ui.refresh();

    await ui.waitForPath('/sign-in');
    await ui.page.getByText('Your session ended').waitFor();
    gateway.mode = 'healthy';
    await ui.open('/health');
    await ui.waitForPath('/sign-in');
  });

  it('should show a not-found page for an unknown route', async () => {
    await ui.open('/no/such/page');

    await ui.notFound.waitFor();
    expect(await ui.notFound.innerText()).toContain('Page not found');
    expect(await ui.notFound.innerText()).toContain('/no/such/page');
    await ui.screenshot('not-found');
  });

  it('should say the gateway is unreachable, with the HTTP status, when it answers 502', async () => {
    await ui.signIn(ADMIN_TOKEN);

    gateway.mode = 'bad-gateway';
    await ui.refresh();

    const banner = await ui.waitForBanner('unreachable');
    expect(banner.text).toContain('Gateway unreachable');
    expect(banner.text).toContain('HTTP 502');
    expect(await ui.readServiceStatuses()).toHaveLength(PLATFORM_SERVICES.length);
    await ui.screenshot('health-unreachable');
  });

  it('should say the gateway is unreachable on the sign-in form when it answers 502', async () => {
    gateway.mode = 'bad-gateway';

    await ui.submitToken(ADMIN_TOKEN);

    await ui.signInFailure.waitFor();
    expect(await ui.signInFailure.innerText()).toContain('Gateway unreachable');
    expect(await ui.signInFailure.innerText()).toContain('HTTP 502');
    await ui.screenshot('sign-in-unreachable');
  });
});
