import type { Routes } from '@angular/router';

import { authGuard } from './core/auth/auth.guard';

// Everything behind the guard is lazy, so the initial bundle stays a router and a token check;
// the contract schemas (and zod) load only with the first page that talks to the gateway.
export const appRoutes: Routes = [
  {
    path: 'sign-in',
    title: 'Sign in · Portcullis',
    loadComponent: () => import('./pages/sign-in/sign-in-page.component').then((m) => m.SignInPageComponent),
  },
  {
    path: '',
    canActivate: [authGuard],
    loadComponent: () => import('./layout/shell/shell.component').then((m) => m.ShellComponent),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'health' },
      { path: 'health', loadChildren: () => import('./pages/health/health.routes').then((m) => m.healthRoutes) },
    ],
  },
  {
    path: '**',
    title: 'Not found · Portcullis',
    loadComponent: () => import('./pages/not-found/not-found-page.component').then((m) => m.NotFoundPageComponent),
  },
];
