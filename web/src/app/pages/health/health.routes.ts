import type { Routes } from '@angular/router';

import { HealthPageComponent } from './health-page.component';

export const healthRoutes: Routes = [{ path: '', title: 'Health · Portcullis', component: HealthPageComponent }];
