/** Nest injection token for the McpRuntime the orchestrator runs servers on (local, remote or Kubernetes). */
export const MCP_RUNTIME = Symbol('MCP_RUNTIME');
