import { decodeHeaderValue } from './classify-request';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * SEP-2243: a tool argument whose schema names an `x-mcp-header` travels twice, in the body and as
 * `Mcp-Param-<Name>` (Base64 sentinel allowed), so that proxies can route on it; the two must agree. Returns why they
 * do not, or undefined. Only arguments with a primitive value are mirrored; one left out of the body needs no header.
 */
export function paramHeaderMismatch(
  inputSchema: unknown,
  args: unknown,
  headers: Readonly<Record<string, string>>,
): string | undefined {
  const properties = isObject(inputSchema) && isObject(inputSchema.properties) ? inputSchema.properties : {};
  const values = isObject(args) ? args : {};
  for (const [argument, property] of Object.entries(properties)) {
    const name = isObject(property) ? property['x-mcp-header'] : undefined;
    if (typeof name !== 'string') continue;
    const value = values[argument];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const raw = headers[name.toLowerCase()];
    if (raw === undefined) return `the Mcp-Param-${name} header is required with argument ${argument}`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `the Mcp-Param-${name} header carries a malformed Base64 value`;
    if (decoded !== String(value)) return `Mcp-Param-${name} does not match argument ${argument}`;
  }
  return undefined;
}
