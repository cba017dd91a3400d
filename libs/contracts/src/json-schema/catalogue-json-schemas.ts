import * as z from 'zod';
import { EVENTS, REQUESTS } from '../catalogue';
import { eventEnvelopeSchema } from '../contract/event-envelope';

export interface JsonSchemaFile {
  /** Path relative to the output folder, e.g. `events/events.v1.system.service-started.schema.json`. */
  path: string;
  schema: Record<string, unknown>;
}

const toJsonSchema = (schema: z.ZodType, id: string, description: string): Record<string, unknown> => ({
  ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }),
  $id: `https://portcullis.dev/schemas/${id}`,
  description,
});

/** JSON Schemas (2020-12) of every event envelope and request/reply payload, for analysts and other languages. */
export function catalogueJsonSchemas(): JsonSchemaFile[] {
  const files: JsonSchemaFile[] = EVENTS.map((event) => ({
    path: `events/${event.subject}.schema.json`,
    schema: toJsonSchema(
      eventEnvelopeSchema(event.subject, event.data),
      `events/${event.subject}.schema.json`,
      event.description,
    ),
  }));
  for (const request of REQUESTS) {
    const suffix = request.routed ? '.<target>' : '';
    for (const part of ['request', 'response'] as const) {
      const path = `requests/${request.subject}.${part}.schema.json`;
      files.push({
        path,
        schema: toJsonSchema(request[part], path, `${part} of ${request.subject}${suffix}: ${request.description}`),
      });
    }
  }
  return files;
}
