import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule, type ValidatorFn, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router } from '@angular/router';

import { GatewayApi } from '../../core/api/gateway-api.service';
import { type GatewayFailure, describeGatewayFailure } from '../../core/api/gateway-failure';
import { isUnauthorized } from '../../core/api/is-unauthorized';
import { AuthSession } from '../../core/auth/auth-session.service';
import { IconComponent } from '../../shared/icon/icon.component';
import { LogoComponent } from '../../shared/logo/logo.component';
import { safeReturnUrl } from './safe-return-url';

const required: ValidatorFn = (control) => Validators.required(control);

@Component({
  selector: 'pc-sign-in-page',
  imports: [
    IconComponent,
    LogoComponent,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    ReactiveFormsModule,
  ],
  templateUrl: './sign-in-page.component.html',
  styleUrl: './sign-in-page.component.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SignInPageComponent {
  private readonly api = inject(GatewayApi);
  private readonly session = inject(AuthSession);
  private readonly router = inject(Router);
  private readonly destroyRef = inject(DestroyRef);

  /** Bound from the query string by the router. */
  readonly returnUrl = input<string>();
  readonly reason = input<string>();

  protected readonly form = new FormGroup({
    token: new FormControl('', { nonNullable: true, validators: [required] }),
  });
  protected readonly token = this.form.controls.token;
  protected readonly submitting = signal(false);
  protected readonly failure = signal<GatewayFailure | null>(null);
  protected readonly sessionEnded = computed(() => this.reason() === 'expired' && !this.failure());

  protected submit(): void {
    const token = this.token.value.trim();
    if (!token || this.submitting()) {
      this.token.markAsTouched();
      return;
    }
    this.submitting.set(true);
    this.failure.set(null);
    this.api
      .tryToken(token)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (identity) => {
          this.session.start(token, identity);
          void this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
        },
        error: (error: unknown) => {
          this.submitting.set(false);
          if (isUnauthorized(error)) {
            this.token.setErrors({ rejected: true });
            this.token.markAsTouched();
          } else {
            this.failure.set(describeGatewayFailure(error));
          }
        },
      });
  }
}
