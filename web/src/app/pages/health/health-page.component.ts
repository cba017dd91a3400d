import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';

import { IconComponent } from '../../shared/icon/icon.component';
import { HealthBannerComponent } from './health-banner.component';
import { HEALTH_POLL_INTERVAL_MS, HealthMonitor } from './health-monitor.service';
import { ServiceTableComponent } from './service-table.component';

@Component({
  selector: 'pc-health-page',
  imports: [
    DatePipe,
    HealthBannerComponent,
    IconComponent,
    MatButtonModule,
    MatCardModule,
    MatProgressBarModule,
    ServiceTableComponent,
  ],
  // Provided here so polling starts with the page and stops when the operator navigates away.
  providers: [HealthMonitor],
  templateUrl: './health-page.component.html',
  styleUrl: './health-page.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HealthPageComponent {
  protected readonly monitor = inject(HealthMonitor);
  protected readonly intervalSeconds = HEALTH_POLL_INTERVAL_MS / 1000;
}
