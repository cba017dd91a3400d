import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { Router, RouterLink } from '@angular/router';

import { LogoComponent } from '../../shared/logo/logo.component';

@Component({
  selector: 'pc-not-found-page',
  imports: [LogoComponent, MatButtonModule, MatCardModule, RouterLink],
  template: `
    <div class="backdrop">
      <mat-card appearance="outlined" class="panel" data-testid="not-found">
        <pc-logo />
        <p class="code">404</p>
        <h1>Page not found</h1>
        <p class="detail">
          There is nothing at <code>{{ path }}</code>. It may have moved, or the link may be mistyped.
        </p>
        <a mat-flat-button routerLink="/health">Go to platform health</a>
      </mat-card>
    </div>
  `,
  styleUrl: './not-found-page.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotFoundPageComponent {
  protected readonly path = inject(Router).url;
}
