import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'pc-logo',
  template: `
    <svg viewBox="0 0 32 32" role="img" aria-label="Portcullis">
      <rect width="32" height="32" rx="7" class="tile" />
      <path d="M7 27V14a9 9 0 0 1 18 0v13" class="arch" />
      <path d="M12 9v18M16 7.5V27M20 9v18M7.5 17h17M7.5 22h17" class="bars" />
    </svg>
  `,
  styles: `
    :host {
      display: inline-flex;
      inline-size: var(--pc-logo-size, 32px);
      block-size: var(--pc-logo-size, 32px);
      flex: none;
    }
    svg {
      inline-size: 100%;
      block-size: 100%;
    }
    .tile {
      fill: var(--mat-sys-primary);
    }
    .arch,
    .bars {
      fill: none;
      stroke: var(--mat-sys-on-primary);
    }
    .arch {
      stroke-width: 2.5;
    }
    .bars {
      stroke-width: 1.8;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LogoComponent {}
