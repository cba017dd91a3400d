import { z } from 'zod';
import { localServer, remoteServer, userConfigField } from '../catalog-entry.schema';

/** Our `_meta` namespace in exported server.json: what the format cannot say, so an export re-imports losslessly. */
export const PORTCULLIS_META_KEY = 'io.portcullis/catalog';

export const portcullisMeta = z.object({
  /** The entry's own name when it is not a reverse-DNS server.json name. */
  name: z.string().optional(),
  slug: z.string().optional(),
  tags: z.array(z.string()).optional(),
  newToolsNeedApproval: z.boolean().optional(),
  /** The full description (server.json allows 100 characters). */
  description: z.string().optional(),
  userConfig: z.array(userConfigField).optional(),
  auth: remoteServer.shape.auth.optional(),
  allowedHosts: localServer.shape.allowedHosts.optional(),
  limits: localServer.shape.limits.optional(),
  /** A local server that came from no package: its command line as is. */
  local: localServer.pick({ command: true, args: true, env: true }).optional(),
});
export type PortcullisMeta = z.infer<typeof portcullisMeta>;
