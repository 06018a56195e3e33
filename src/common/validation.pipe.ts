import { BadRequestException, ValidationPipe } from '@nestjs/common';

/** Checks every request body against its DTO; any failure is a 400 naming the rule broken. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) =>
      new BadRequestException(
        errors.length === 0
          ? 'The request body must be a JSON object'
          : errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '),
      ),
  });
}
