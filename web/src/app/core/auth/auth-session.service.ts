import { Injectable, computed, signal } from '@angular/core';
import type { WhoAmI } from '@portcullis/contracts';

// sessionStorage, not localStorage: the admin token is a root credential, so it should not outlive the tab.
const TOKEN_KEY = 'portcullis.console.token';

@Injectable({ providedIn: 'root' })
export class AuthSession {
  private readonly tokenState = signal<string | null>(readStoredToken());
  private readonly identityState = signal<WhoAmI | null>(null);

  readonly token = this.tokenState.asReadonly();
  readonly identity = this.identityState.asReadonly();
  readonly signedIn = computed(() => this.tokenState() !== null);

  start(token: string, identity: WhoAmI): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    this.tokenState.set(token);
    this.identityState.set(identity);
  }

  rememberIdentity(identity: WhoAmI): void {
    this.identityState.set(identity);
  }

  end(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    this.tokenState.set(null);
    this.identityState.set(null);
  }
}

function readStoredToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
