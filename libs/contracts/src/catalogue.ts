import type { AnyContract, EventContract, RequestContract } from './contract/contract.types';
import { auditChainVerify } from './messages/audit/chain-verify/audit-chain-verify.contract';
import { auditEventsAggregate } from './messages/audit/events-aggregate/audit-events-aggregate.contract';
import { auditEventsQuery } from './messages/audit/events-query/audit-events-query.contract';
import { auditTopCallers } from './messages/audit/top-callers/audit-top-callers.contract';
import { mcpLegacySsePost } from './messages/mcp/legacy-sse-post/legacy-sse-post.contract';
import { mcpRequestCompleted } from './messages/mcp/request-completed/request-completed.event';
import { mcpSessionClose } from './messages/mcp/session-close/session-close.contract';
import { mcpSessionOpen } from './messages/mcp/session-open/session-open.contract';
import { mcpStatelessCall } from './messages/mcp/stateless-call/stateless-call.contract';
import { mcpWorkerMessage } from './messages/mcp/worker-message/worker-message.contract';
import { REGISTRY_IDENTITY_EVENTS } from './messages/registry/identity-events/registry-identity.events';
import { registryHttpRequest } from './messages/registry/http-request/registry-http-request.contract';
import { registryTokensVerify } from './messages/registry/tokens-verify/registry-tokens-verify.contract';
import { catalogEntryCreated } from './messages/registry/catalog-entry-created/catalog-entry-created.event';
import { catalogEntryDeleted } from './messages/registry/catalog-entry-deleted/catalog-entry-deleted.event';
import { catalogEntryUpdated } from './messages/registry/catalog-entry-updated/catalog-entry-updated.event';
import { installationCreated } from './messages/registry/installation-created/installation-created.event';
import { installationDeleted } from './messages/registry/installation-deleted/installation-deleted.event';
import { installationUpdated } from './messages/registry/installation-updated/installation-updated.event';
import { INSTALLATION_REQUEST_EVENTS } from './messages/registry/request-events/installation-request.events';
import { orchestratorDiscover } from './messages/orchestrator/discover/orchestrator-discover.contract';
import { gatewayCreated, gatewayDeleted, gatewayUpdated } from './messages/registry/gateway-events/gateway.events';
import { registryGatewayResolve } from './messages/registry/gateway-resolve/registry-gateway-resolve.contract';
import { registryGatewayServers } from './messages/registry/gateway-servers/registry-gateway-servers.contract';
import { registryToolPins, registryToolReport } from './messages/registry/tool-pins/registry-tool-pins.contract';
import { TOOL_EVENTS } from './messages/registry/tool-events/tool.events';
import { systemPing } from './messages/system/ping/system-ping.contract';
import { serviceStarted } from './messages/system/service-started/service-started.event';
import { serviceStopped } from './messages/system/service-stopped/service-stopped.event';
import { systemStatus } from './messages/system/status/system-status.contract';

/** Every request/reply contract on the bus. A new message is added here and nowhere else. */
export const REQUESTS: readonly RequestContract[] = [
  systemStatus,
  systemPing,
  mcpSessionOpen,
  mcpWorkerMessage,
  mcpSessionClose,
  mcpStatelessCall,
  mcpLegacySsePost,
  auditEventsQuery,
  auditEventsAggregate,
  auditTopCallers,
  auditChainVerify,
  registryHttpRequest,
  registryTokensVerify,
  registryGatewayResolve,
  registryGatewayServers,
  registryToolPins,
  registryToolReport,
  orchestratorDiscover,
];

/** Every event published to the `EVENTS` stream. */
export const EVENTS: readonly EventContract[] = [
  serviceStarted,
  serviceStopped,
  mcpRequestCompleted,
  ...REGISTRY_IDENTITY_EVENTS,
  catalogEntryCreated,
  catalogEntryUpdated,
  catalogEntryDeleted,
  installationCreated,
  installationUpdated,
  installationDeleted,
  gatewayCreated,
  gatewayUpdated,
  gatewayDeleted,
  ...INSTALLATION_REQUEST_EVENTS,
  ...TOOL_EVENTS,
];

export const CATALOGUE: readonly AnyContract[] = [...REQUESTS, ...EVENTS];

/** Stream holding every event; its subjects are `events.v1.>` (plus a test prefix, when set). */
export const EVENTS_STREAM = 'EVENTS';
export const EVENTS_SUBJECT_FILTER = 'events.v1.>';

/** The platform's services, as they name themselves on the bus (`system.v1.status.<service>`). */
export const PLATFORM_SERVICES = [
  'gateway',
  'registry',
  'orchestrator',
  'llm-proxy',
  'guard',
  'audit',
  'apps',
] as const;
export type PlatformService = (typeof PLATFORM_SERVICES)[number];
