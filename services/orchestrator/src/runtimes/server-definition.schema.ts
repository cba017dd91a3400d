import { posix } from 'node:path';
import { z } from 'zod';

const MIB = 1024 * 1024;

/** Where every runtime puts the server's writable working directory, so definitions can name it in their args. */
export const SERVER_WORKDIR = '/workspace';

/** Trees the sandbox sets up itself; a read-only bind into them would break or bypass it. */
const RESERVED_TREES = ['/proc', '/dev', SERVER_WORKDIR];
/** The host's /tmp and /home as a whole would expose other users' files; what is below them may be mounted. */
const RESERVED_EXACT = ['/tmp', '/home'];

/** Arguments and environment reach execve, which cannot carry NUL. */
const execText = (min = 0) =>
  z
    .string()
    .min(min)
    .refine((value) => !value.includes('\0'), 'must not contain NUL');

/** Ids end up in paths, cgroup names and hostnames, so they are kept to a safe alphabet. */
export const serverIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1–63 characters: a–z, 0–9, "-", "_", starting with a letter or digit');

const absolutePath = z
  .string()
  .refine((value) => posix.isAbsolute(value) && posix.normalize(value) === value && value !== '/', {
    message: 'must be a normalised absolute path other than /',
  })
  .refine(
    (value) =>
      !RESERVED_EXACT.includes(value) &&
      !RESERVED_TREES.some((reserved) => value === reserved || value.startsWith(`${reserved}/`)),
    { message: `must not be ${RESERVED_EXACT.join(' or ')}, nor under ${RESERVED_TREES.join(', ')}` },
  );

const hostName = z
  .string()
  .max(253)
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, 'must be a host name');

/** A host the server may reach: a name (optionally `*.` for subdomains), an IP address or a CIDR range. */
export const allowedHostSchema = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6(), hostName]);

/**
 * What the server may reach on the network: `'none'`, or the hosts it needs. Runtimes enforce this as tightly as
 * they can; the local runtime can only share or withhold the host's whole network (see LocalRuntime).
 */
export const networkPolicySchema = z.union([z.literal('none'), z.array(allowedHostSchema).min(1)]);

/**
 * - `ephemeral`: a fresh directory per instance, kept across its restarts, deleted when it stops.
 * - `persistent`: one directory per server id, kept after stop, so a server's own state (a memory file, a cache)
 *   survives instances.
 */
export const workingDirectoryPolicySchema = z.enum(['ephemeral', 'persistent']);

/** How to run one MCP server speaking stdio. Validated before any runtime acts on it. */
export const serverDefinitionSchema = z.object({
  id: serverIdSchema,
  /** Executable inside the sandbox: an absolute path, or a name looked up on the sandbox's PATH. */
  command: execText(1),
  args: z.array(execText()).default([]),
  /** The server's whole environment on top of PATH/HOME/TMPDIR/LANG: nothing leaks in from the orchestrator. */
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), execText())
    .default({}),
  workingDirectory: workingDirectoryPolicySchema.default('ephemeral'),
  /** Host paths the server needs to read (an npm package's node_modules, a runtime), mounted read-only in place. */
  readOnlyPaths: z.array(absolutePath).default([]),
  network: networkPolicySchema.default('none'),
  /** Memory for the whole sandbox (every process and its tmpfs). */
  memoryLimitBytes: z
    .number()
    .int()
    .min(32 * MIB)
    .default(512 * MIB),
  /** Tasks in the sandbox: the kernel counts threads as well as processes, and a Node server uses about a dozen. */
  processLimit: z.number().int().min(4).max(4096).default(64),
  /** An instance with no calls for this long is stopped; `null` keeps it running. */
  idleTimeoutMs: z
    .number()
    .int()
    .positive()
    .nullable()
    .default(15 * 60_000),
});

export type ServerDefinition = z.output<typeof serverDefinitionSchema>;
export type ServerDefinitionInput = z.input<typeof serverDefinitionSchema>;
export type NetworkPolicy = z.output<typeof networkPolicySchema>;
export type WorkingDirectoryPolicy = z.output<typeof workingDirectoryPolicySchema>;
