import Ajv, { type Options } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { JsonSchemaDialect } from './json-schema-dialect';
import { safeRegExpEngine } from './safe-regexp-engine';

/**
 * Options for compiling schemas we did not write, against arguments we did not write either.
 */
const OPTIONS: Options = {
  // Upstream schemas carry vendor keywords (`x-mcp-header`, `x-…`) and loose unions; refusing them would refuse tools.
  strict: false,
  logger: false,
  // Report every failing path, not just the first, so a model can fix all of them in one retry.
  allErrors: true,
  // A schema that is not valid in its dialect is reported as unusable instead of half-validated.
  validateSchema: true,
  // Two tools declaring the same `$id` must not clash or reference each other's schema.
  addUsedSchema: false,
  // Past these sizes ajv emits a loop instead of one check per item: a 50 000-item `required` or `enum` would
  // otherwise generate (and compile) 50 000 lines of code.
  loopRequired: 32,
  loopEnum: 32,
  // Arguments are forwarded (and audited) exactly as the client sent them: never fill defaults, coerce or strip.
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
  unicodeRegExp: true,
  code: { regExp: safeRegExpEngine },
};

/** One ajv instance for a dialect; the validator keeps one per dialect and evicts compiled schemas from it. */
export function createAjv(dialect: JsonSchemaDialect): Ajv {
  const ajv =
    dialect === '2020-12' ? new Ajv2020(OPTIONS) : dialect === '2019-09' ? new Ajv2019(OPTIONS) : new Ajv(OPTIONS);
  addFormats(ajv);
  return ajv;
}
