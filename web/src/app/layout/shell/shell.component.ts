import { BreakpointObserver, Breakpoints } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, DestroyRef, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatListModule } from '@angular/material/list';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { map } from 'rxjs';

import { GatewayApi } from '../../core/api/gateway-api.service';
import { AuthSession } from '../../core/auth/auth-session.service';
import { IconComponent } from '../../shared/icon/icon.component';
import { LogoComponent } from '../../shared/logo/logo.component';

@Component({
  selector: 'pc-shell',
  imports: [
    IconComponent,
    LogoComponent,
    MatButtonModule,
    MatListModule,
    MatSidenavModule,
    MatToolbarModule,
    RouterLink,
    RouterLinkActive,
    RouterOutlet,
  ],
  templateUrl: './shell.component.html',
  styleUrl: './shell.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ShellComponent {
  private readonly session = inject(AuthSession);
  private readonly router = inject(Router);

  protected readonly identity = this.session.identity;
  protected readonly compact = toSignal(
    inject(BreakpointObserver)
      .observe([Breakpoints.XSmall, Breakpoints.Small])
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );

  constructor() {
    // After a reload the token survives in sessionStorage but the identity does not; a 401 here is
    // handled by the interceptor, any other failure just leaves the actor blank.
    if (!this.identity()) {
      const subscription = inject(GatewayApi)
        .whoAmI()
        .subscribe({ next: (who) => this.session.rememberIdentity(who), error: () => undefined });
      inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
    }
  }

  protected signOut(): void {
    this.session.end();
    void this.router.navigate(['/sign-in']);
  }
}
