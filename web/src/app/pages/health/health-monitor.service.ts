import { Injectable, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { SystemHealth } from '@portcullis/contracts';
import { type Observable, Subject, catchError, exhaustMap, map, of, startWith, switchMap, timer } from 'rxjs';

import { GatewayApi } from '../../core/api/gateway-api.service';
import { type GatewayFailure, describeGatewayFailure } from '../../core/api/gateway-failure';

export const HEALTH_POLL_INTERVAL_MS = 5_000;

type CheckOutcome = { readonly health: SystemHealth } | { readonly failure: GatewayFailure };

/**
 * Polls the gateway's health endpoint while the page that provides it is alive. The last good
 * snapshot is kept through failures so an outage does not wipe what the operator was looking at.
 */
@Injectable()
export class HealthMonitor {
  private readonly api = inject(GatewayApi);
  private readonly refreshRequests = new Subject<void>();

  private readonly snapshot = signal<SystemHealth | null>(null);
  private readonly lastFailure = signal<GatewayFailure | null>(null);
  private readonly lastCheckedAt = signal<Date | null>(null);
  private readonly inFlight = signal(true);

  readonly health = this.snapshot.asReadonly();
  readonly failure = this.lastFailure.asReadonly();
  readonly checkedAt = this.lastCheckedAt.asReadonly();
  readonly checking = this.inFlight.asReadonly();
  readonly firstLoad = computed(() => this.inFlight() && !this.snapshot() && !this.lastFailure());

  constructor() {
    // A manual refresh restarts the cadence, so the next automatic check is a full interval later.
    this.refreshRequests
      .pipe(
        startWith(undefined),
        switchMap(() => timer(0, HEALTH_POLL_INTERVAL_MS).pipe(exhaustMap(() => this.check()))),
        takeUntilDestroyed(),
      )
      .subscribe((outcome) => this.record(outcome));
  }

  refresh(): void {
    this.refreshRequests.next();
  }

  private check(): Observable<CheckOutcome> {
    this.inFlight.set(true);
    return this.api.systemHealth().pipe(
      map((health): CheckOutcome => ({ health })),
      catchError((error: unknown) => of<CheckOutcome>({ failure: describeGatewayFailure(error) })),
    );
  }

  private record(outcome: CheckOutcome): void {
    this.inFlight.set(false);
    this.lastCheckedAt.set(new Date());
    if ('health' in outcome) {
      this.snapshot.set(outcome.health);
      this.lastFailure.set(null);
    } else {
      this.lastFailure.set(outcome.failure);
    }
  }
}
