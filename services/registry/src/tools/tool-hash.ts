import { createHash } from 'node:crypto';
import { canonicalJson, type PinnedToolFields, pinnedToolText } from '@portcullis/contracts';

export { canonicalJson, type PinnedToolFields };

/** SHA-256 (hex) of the canonical JSON of a tool's name, description, input and output schemas and annotations. */
export function toolDefinitionHash(tool: PinnedToolFields): string {
  return createHash('sha256').update(pinnedToolText(tool)).digest('hex');
}
