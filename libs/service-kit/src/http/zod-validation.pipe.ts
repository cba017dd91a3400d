import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/** Validates one request part with zod; a 400 problem names every bad field. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly part: string,
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const errors = result.error.issues.map((i) => ({
      field: [this.part, ...i.path.map(String)].join('.'),
      message: i.message,
    }));
    throw new BadRequestException({
      message: `Invalid ${this.part}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      errors,
    });
  }
}
