import { type ArgumentMetadata, BadRequestException, ValidationPipe, type ValidationPipeOptions } from '@nestjs/common';
import { fastCheckOf } from './fast-body.js';

/** The ValidationPipe, after a DTO's fast check (fast-body.ts) where it has one. */
class CohoraValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const accepted = metadata.type === 'body' ? fastCheckOf(metadata.metatype)?.(value) : undefined;
    return accepted === undefined ? super.transform(value, metadata) : Promise.resolve(accepted);
  }
}

/** Every body's rules: only the DTO's fields kept, the first broken rule of each named in the 400. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  exceptionFactory: (errors) =>
    new BadRequestException(
      errors.length === 0
        ? 'The request body must be a JSON object'
        : errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '),
    ),
};

/** Checks every request body against its DTO; any failure is a 400 naming the rule broken. */
export function validationPipe(): ValidationPipe {
  return new CohoraValidationPipe(VALIDATION_OPTIONS);
}
