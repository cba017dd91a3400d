import { join } from 'node:path';
import { PLATFORM_SERVICES } from '@portcullis/contracts';
import { REPO_ROOT, startPlatform, type TestPlatform } from '@portcullis/testing';
import type { Browser } from 'playwright-core';
import { ConsolePage } from './console-page';
import { ensureConsoleBuild } from './ensure-console-build';
import { launchChromium } from './launch-chromium';

interface WebServer {
  url: string;
  close(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the launcher's plain CommonJS web server
const { startWebServer } = require(join(REPO_ROOT, 'scripts/serve-web.cjs')) as {
  startWebServer: (options: { port: number; host: string; root: string; gatewayUrl: string }) => Promise<WebServer>;
};

/** The console as an operator uses it: served by the launcher's web server, in front of the real gateway. */
describe('console against the running platform', () => {
  let platform: TestPlatform;
  let web: WebServer;
  let browser: Browser;
  let consolePage: ConsolePage;

  beforeAll(async () => {
    const root = ensureConsoleBuild();
    platform = await startPlatform();
    web = await startWebServer({ port: 0, host: '127.0.0.1', root, gatewayUrl: platform.url('gateway') });
    browser = await launchChromium();
    consolePage = new ConsolePage(await browser.newPage(), web.url);
  });

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await platform?.stop();
  });

  it('should sign in with the admin token and show all seven services ready', async () => {
    await consolePage.open('/health');
    await consolePage.waitForPath('/sign-in');
    await consolePage.signIn(platform.adminToken);
    await consolePage.waitForBanner('ready');
    const rows = await consolePage.readServiceStatuses();
    expect(rows.map((r) => [r.name, r.status])).toEqual(PLATFORM_SERVICES.map((n) => [n, 'ready']));
    await consolePage.screenshot('live-platform-ready');
  });

  it('should show a killed service as unreachable and the platform as degraded', async () => {
    platform.services.get('llm-proxy')!.kill('SIGKILL');
    const banner = await consolePage.waitForBanner('degraded', 20_000);
    expect(banner.text).toContain('llm-proxy');
    const rows = await consolePage.readServiceStatuses();
    expect(rows.find((r) => r.name === 'llm-proxy')?.status).toBe('unreachable');
    expect(rows.filter((r) => r.status === 'ready')).toHaveLength(PLATFORM_SERVICES.length - 1);
    await consolePage.screenshot('live-platform-degraded');
  });
});
