import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { MatChipsModule } from '@angular/material/chips';
import type { ServiceStatus } from '@portcullis/contracts';

import type { IconName } from '../../shared/icon/icon-paths';
import { IconComponent } from '../../shared/icon/icon.component';

type Status = ServiceStatus['status'];

const PRESENTATION: Readonly<Record<Status, { label: string; icon: IconName }>> = {
  ready: { label: 'Ready', icon: 'checkCircle' },
  not_ready: { label: 'Not ready', icon: 'warning' },
  unreachable: { label: 'Unreachable', icon: 'cloudOff' },
};

@Component({
  selector: 'pc-service-status-chip',
  imports: [IconComponent, MatChipsModule],
  template: `
    <mat-chip-set>
      <mat-chip [class]="status()" [attr.data-status]="status()" [disableRipple]="true">
        <pc-icon matChipAvatar [name]="presentation().icon" />
        {{ presentation().label }}
      </mat-chip>
    </mat-chip-set>
  `,
  styleUrl: './service-status-chip.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServiceStatusChipComponent {
  readonly status = input.required<Status>();

  protected readonly presentation = computed(() => PRESENTATION[this.status()]);
}
