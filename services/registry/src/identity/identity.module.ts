import { Module } from '@nestjs/common';
import { OrganizationsController } from './organizations.controller';
import { OrganizationsService } from './organizations.service';
import { PasswordHasher } from './password-hasher';
import { PermissionResolver } from './permission-resolver';
import { RolesController } from './roles.controller';
import { RolesService } from './roles.service';
import { TeamsController } from './teams.controller';
import { TeamsService } from './teams.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** Organisations, users, teams, roles and role assignments. */
@Module({
  controllers: [OrganizationsController, UsersController, TeamsController, RolesController],
  providers: [OrganizationsService, UsersService, TeamsService, RolesService, PermissionResolver, PasswordHasher],
  exports: [PermissionResolver, PasswordHasher, RolesService],
})
export class IdentityModule {}
