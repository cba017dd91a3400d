import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import type { Locator, Page } from 'playwright-core';

export type ServiceRowStatus = 'ready' | 'not_ready' | 'unreachable';
export type BannerState = 'ready' | 'degraded' | 'unreachable';

export interface ServiceRow {
  readonly name: string;
  readonly status: ServiceRowStatus;
  /** Only the dependencies the service reported, e.g. `{ nats: 'up', postgres: 'down' }`. */
  readonly checks: Readonly<Record<string, 'up' | 'down'>>;
  readonly version: string;
  readonly uptime: string;
}

export interface Banner {
  readonly state: BannerState;
  readonly text: string;
}

const SCREENSHOT_DIR = resolve(__dirname, '../../tmp/screenshots');

/**
 * Drives the Portcullis console the way an operator does: through what is on screen. Shared by the
 * console's own e2e test (stub gateway) and the platform e2e test (real gateway).
 */
export class ConsolePage {
  constructor(
    readonly page: Page,
    private readonly baseUrl: string,
  ) {}

  async open(path = '/'): Promise<void> {
    await this.page.goto(new URL(path, this.baseUrl).toString());
  }

  pathname(): string {
    return new URL(this.page.url()).pathname;
  }

  async waitForPath(pathname: string): Promise<void> {
    await this.page.waitForURL((url) => url.pathname === pathname);
  }

  get tokenInput(): Locator {
    return this.page.getByLabel('Admin token');
  }

  get signInError(): Locator {
    return this.page.getByTestId('sign-in-error');
  }

  get signInFailure(): Locator {
    return this.page.getByTestId('sign-in-failure');
  }

  get notFound(): Locator {
    return this.page.getByTestId('not-found');
  }

  get actor(): Locator {
    return this.page.getByTestId('actor');
  }

  get lastChecked(): Locator {
    return this.page.getByTestId('last-checked');
  }

  /** Submits the token on the sign-in page (opening it first if needed); does not wait for the outcome. */
  async submitToken(token: string): Promise<void> {
    if (this.pathname() !== '/sign-in') {
      await this.open('/sign-in');
    }
    await this.tokenInput.fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Signs in and waits until the health table is on screen. */
  async signIn(token: string): Promise<void> {
    await this.submitToken(token);
    await this.waitForPath('/health');
    await this.waitForServiceTable();
  }

  async signOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign out' }).click();
    await this.waitForPath('/sign-in');
  }

  async refresh(): Promise<void> {
    await this.page.getByRole('button', { name: 'Refresh' }).click();
  }

  async waitForServiceTable(): Promise<void> {
    await this.page.getByTestId('service-table').locator('tr[data-service]').first().waitFor();
  }

  async waitForBanner(state: BannerState, timeout = 15_000): Promise<Banner> {
    await this.page.locator(`[data-testid="health-banner"][data-state="${state}"]`).waitFor({ timeout });
    return this.readBanner();
  }

  async readBanner(): Promise<Banner> {
    const banner = this.page.getByTestId('health-banner');
    const state = (await banner.getAttribute('data-state')) as BannerState;
    const text = (await banner.innerText()).replace(/\s+/g, ' ').trim();
    return { state, text };
  }

  async readServiceStatuses(): Promise<ServiceRow[]> {
    await this.waitForServiceTable();
    return this.page
      .getByTestId('service-table')
      .locator('tr[data-service]')
      .evaluateAll((rows) =>
        rows.map((row) => {
          const text = (selector: string): string => row.querySelector(selector)?.textContent?.trim() ?? '';
          const checks: Record<string, string> = {};
          for (const cell of Array.from(row.querySelectorAll('[data-check]'))) {
            checks[cell.getAttribute('data-check') ?? ''] = cell.getAttribute('data-state') ?? '';
          }
          return {
            name: row.getAttribute('data-service') ?? '',
            status: row.querySelector('[data-status]')?.getAttribute('data-status') ?? '',
            checks,
            version: text('[data-cell="version"]'),
            uptime: text('[data-cell="uptime"]'),
          };
        }),
      ) as Promise<ServiceRow[]>;
  }

  /** Full-page PNG under `tmp/screenshots/` (git-ignored); returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true, animations: 'disabled' });
    return path;
  }
}
