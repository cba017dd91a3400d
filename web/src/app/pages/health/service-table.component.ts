import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { MatTableModule } from '@angular/material/table';
import type { ServiceStatus } from '@portcullis/contracts';

import { dependencyColumns, dependencyLabel } from './dependency-columns';
import { humanizeUptime } from './humanize-uptime';
import { ServiceStatusChipComponent } from './service-status-chip.component';

@Component({
  selector: 'pc-service-table',
  imports: [MatTableModule, ServiceStatusChipComponent],
  templateUrl: './service-table.component.html',
  styleUrl: './service-table.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ServiceTableComponent {
  readonly services = input.required<readonly ServiceStatus[]>();

  protected readonly dependencies = computed(() => dependencyColumns(this.services()));
  protected readonly columns = computed(() => [
    'name',
    'status',
    ...this.dependencies().map((name) => `dep-${name}`),
    'version',
    'uptime',
  ]);

  protected readonly label = dependencyLabel;
  protected readonly uptime = humanizeUptime;
  protected readonly trackByName = (_index: number, service: ServiceStatus): string => service.name;
}
