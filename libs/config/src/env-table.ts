import type { z } from 'zod';

export interface EnvVariableDoc {
  key: string;
  required: boolean;
  defaultValue: string | undefined;
  description: string;
}

/** Describes a service's variables from its schema, so documentation cannot drift from validation. */
export function describeEnv(schema: z.ZodObject): EnvVariableDoc[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    // Environment variables are text, so an input default is a string, number or boolean.
    const json = (field as z.ZodType).toJSONSchema({ io: 'input', unrepresentable: 'any' }) as {
      default?: string | number | boolean;
      description?: string;
    };
    const optional = (field as z.ZodType).safeParse(undefined).success;
    return {
      key,
      required: !optional,
      defaultValue: json.default === undefined ? undefined : String(json.default),
      description: (field as z.ZodType).description ?? json.description ?? '',
    };
  });
}
