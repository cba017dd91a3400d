import { Body, Param, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@portcullis/service-kit';
import type * as z from 'zod';

/** The request body, validated with the schema the route's OpenAPI entry shows (400 naming each bad field). */
export const ValidBody = (schema: z.ZodType): ParameterDecorator => Body(new ZodValidationPipe(schema, 'body'));
export const ValidQuery = (schema: z.ZodType): ParameterDecorator => Query(new ZodValidationPipe(schema, 'query'));
export const ValidParams = (schema: z.ZodType): ParameterDecorator => Param(new ZodValidationPipe(schema, 'path'));
