import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { ServiceStatus, SystemHealth } from '@portcullis/contracts';

import type { GatewayFailure } from '../../core/api/gateway-failure';
import type { IconName } from '../../shared/icon/icon-paths';
import { IconComponent } from '../../shared/icon/icon.component';
import { HEALTH_POLL_INTERVAL_MS } from './health-monitor.service';

type BannerState = 'ready' | 'degraded' | 'unreachable';

interface Banner {
  readonly state: BannerState;
  readonly icon: IconName;
  readonly title: string;
  readonly detail: string;
}

const STATUS_WORDS: Readonly<Record<ServiceStatus['status'], string>> = {
  ready: 'ready',
  not_ready: 'not ready',
  unreachable: 'unreachable',
};

@Component({
  selector: 'pc-health-banner',
  imports: [IconComponent],
  templateUrl: './health-banner.component.html',
  styleUrl: './health-banner.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HealthBannerComponent {
  readonly health = input.required<SystemHealth | null>();
  readonly failure = input.required<GatewayFailure | null>();

  protected readonly retrySeconds = HEALTH_POLL_INTERVAL_MS / 1000;

  protected readonly banner = computed((): Banner | null => {
    const failure = this.failure();
    if (failure) {
      return { state: 'unreachable', icon: 'cloudOff', title: failure.title, detail: failure.detail };
    }
    const health = this.health();
    return health ? describeHealth(health) : null;
  });
}

function describeHealth(health: SystemHealth): Banner {
  const total = health.services.length;
  const troubled = health.services.filter((service) => service.status !== 'ready');
  if (health.status === 'ready' && troubled.length === 0) {
    return {
      state: 'ready',
      icon: 'checkCircle',
      title: 'All systems ready',
      detail: `${total} of ${total} services are ready and connected to their dependencies.`,
    };
  }
  const named = troubled.map((service) => `${service.name} (${STATUS_WORDS[service.status]})`);
  return {
    state: 'degraded',
    icon: 'warning',
    title: 'Platform degraded',
    detail:
      troubled.length > 0
        ? `${troubled.length} of ${total} services need attention: ${named.join(', ')}.`
        : 'The gateway reports the platform as degraded.',
  };
}
