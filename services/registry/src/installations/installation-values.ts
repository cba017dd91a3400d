import { BadRequestException } from '@nestjs/common';
import type { UserConfigField } from '../catalog/catalog-entry.schema';
import type { ConfigValue } from './installation.schema';

interface Problem {
  field: string;
  message: string;
}

const scalarProblem = (field: UserConfigField, value: unknown): string | undefined => {
  switch (field.format) {
    case 'number':
      if (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !isNaN(Number(value))))
        break;
      return 'must be a number';
    case 'boolean':
      if (typeof value === 'boolean' || value === 'true' || value === 'false') break;
      return 'must be true or false';
    case 'string':
    case 'filepath':
      if (typeof value !== 'string') return 'must be a string';
  }
  if (field.choices && !field.choices.includes(String(value))) return `must be one of: ${field.choices.join(', ')}`;
  return undefined;
};

/**
 * Checks an installation's values against the entry's user-config fields: non-secret values in `configuration`,
 * secret ones in `credentials` (names only here — their values never reach this check's messages), required
 * fields present (or defaulted). Throws a 400 naming every bad field.
 */
export function checkInstallationValues(
  fields: readonly UserConfigField[],
  configuration: Record<string, ConfigValue>,
  credentialNames: readonly string[],
): void {
  const problems: Problem[] = [];
  const byName = new Map(fields.map((f) => [f.name, f]));
  for (const [name, value] of Object.entries(configuration)) {
    const path = `body.configuration.${name}`;
    const field = byName.get(name);
    if (!field) {
      problems.push({ field: path, message: 'is not a user-config field of this catalog entry' });
      continue;
    }
    if (field.secret) {
      problems.push({ field: path, message: 'is a secret field; send it in credentials' });
      continue;
    }
    if (field.repeated !== Array.isArray(value)) {
      problems.push({ field: path, message: field.repeated ? 'must be a list' : 'must be a single value' });
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    if (field.required && values.length === 0) problems.push({ field: path, message: 'must not be empty' });
    values.forEach((v, i) => {
      const message = scalarProblem(field, v);
      if (message) problems.push({ field: Array.isArray(value) ? `${path}.${i}` : path, message });
    });
  }
  for (const name of credentialNames) {
    const field = byName.get(name);
    if (!field?.secret) {
      problems.push({
        field: `body.credentials.${name}`,
        message: field
          ? 'is not a secret field; send it in configuration'
          : 'is not a secret field of this catalog entry',
      });
    }
  }
  for (const field of fields) {
    if (!field.required || field.default !== undefined) continue;
    if (field.secret && !credentialNames.includes(field.name)) {
      problems.push({ field: `body.credentials.${field.name}`, message: 'is required' });
    } else if (!field.secret && !(field.name in configuration)) {
      problems.push({ field: `body.configuration.${field.name}`, message: 'is required' });
    }
  }
  if (problems.length > 0) {
    throw new BadRequestException({
      message: `Invalid body: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      errors: problems,
    });
  }
}
