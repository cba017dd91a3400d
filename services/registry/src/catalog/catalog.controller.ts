import { Body, Controller } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route';
import { pageSchema } from '../http/pagination';
import { CurrentCaller, type RegistryCaller } from '../http/require-permission';
import { ValidBody, ValidParams, ValidQuery } from '../http/validated';
import {
  catalogEntry,
  type CatalogEntryInput,
  catalogEntryInput,
  idParam,
  type ImportCatalogQuery,
  importCatalogQuery,
  type ListCatalogQuery,
  listCatalogQuery,
} from './catalog-entry.schema';
import { CatalogService } from './catalog.service';
import { serverJson } from './server-json/server-json.schema';

const TAG = 'catalog';
const READ = { permission: ['catalog', 'read'] as [string, string] };
const WRITE = { permission: ['catalog', 'write'] as [string, string] };
const entryParams = z.object({ id: idParam });
type EntryParams = z.infer<typeof entryParams>;

@Controller()
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/catalog',
    summary: "List the organisation's catalog entries (filter by tag, kind, text)",
    tag: TAG,
    access: READ,
    query: listCatalogQuery,
    responses: { 200: { description: 'A page of catalog entries', schema: pageSchema(catalogEntry) } },
  })
  list(@CurrentCaller() caller: RegistryCaller, @ValidQuery(listCatalogQuery.strict()) query: ListCatalogQuery) {
    return this.catalog.list(caller, query);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/catalog',
    summary: 'Add a server to the catalog',
    tag: TAG,
    access: WRITE,
    body: catalogEntryInput,
    responses: { 201: { description: 'Created', schema: catalogEntry } },
  })
  create(@CurrentCaller() caller: RegistryCaller, @ValidBody(catalogEntryInput) body: CatalogEntryInput) {
    return this.catalog.create(caller, body);
  }

  @ApiRoute({
    method: 'POST',
    path: 'api/v1/catalog/import',
    summary: 'Import an MCP Registry server.json: creates the entry, or updates the entry of the same name',
    tag: TAG,
    access: WRITE,
    query: importCatalogQuery,
    body: serverJson,
    responses: {
      200: {
        description: 'The entry, and whether it was created',
        schema: z.object({ created: z.boolean(), entry: catalogEntry }),
      },
    },
  })
  import(
    @CurrentCaller() caller: RegistryCaller,
    @ValidQuery(importCatalogQuery.strict()) query: ImportCatalogQuery,
    @Body() document: unknown,
  ) {
    return this.catalog.import(caller, document, query.prefer);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/catalog/:id',
    summary: 'One catalog entry',
    tag: TAG,
    access: READ,
    params: entryParams,
    responses: { 200: { description: 'The entry', schema: catalogEntry } },
  })
  get(@CurrentCaller() caller: RegistryCaller, @ValidParams(entryParams) params: EntryParams) {
    return this.catalog.get(caller, params.id);
  }

  @ApiRoute({
    method: 'GET',
    path: 'api/v1/catalog/:id/server.json',
    summary: 'The entry as an MCP Registry server.json',
    tag: TAG,
    access: READ,
    params: entryParams,
    responses: { 200: { description: 'server.json', schema: serverJson } },
  })
  export(@CurrentCaller() caller: RegistryCaller, @ValidParams(entryParams) params: EntryParams) {
    return this.catalog.export(caller, params.id);
  }

  @ApiRoute({
    method: 'PUT',
    path: 'api/v1/catalog/:id',
    summary: 'Replace a catalog entry (the slug stays unless given)',
    tag: TAG,
    access: WRITE,
    params: entryParams,
    body: catalogEntryInput,
    responses: { 200: { description: 'The entry', schema: catalogEntry } },
  })
  update(
    @CurrentCaller() caller: RegistryCaller,
    @ValidParams(entryParams) params: EntryParams,
    @ValidBody(catalogEntryInput) body: CatalogEntryInput,
  ) {
    return this.catalog.update(caller, params.id, body);
  }

  @ApiRoute({
    method: 'DELETE',
    path: 'api/v1/catalog/:id',
    summary: 'Remove a catalog entry (refused while it is installed)',
    tag: TAG,
    access: WRITE,
    params: entryParams,
    responses: { 204: { description: 'Deleted' } },
  })
  delete(@CurrentCaller() caller: RegistryCaller, @ValidParams(entryParams) params: EntryParams) {
    return this.catalog.delete(caller, params.id);
  }
}
