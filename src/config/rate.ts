import { ValidateBy } from 'class-validator';
import { parseDuration } from './duration.js';

/** At most `limit` events per `windowMs`; null: no limit. */
export interface Rate {
  limit: number;
  windowMs: number;
}

/**
 * Parses `300/10s` (300 per 10 seconds), `60/1m` or `off`. Returns the text unchanged when it
 * is neither, so that validation can report the variable by name.
 */
export function parseRate(text: string): Rate | null | string {
  if (/^\s*off\s*$/i.test(text)) return null;
  const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
  const windowMs = match ? parseDuration(match[2]) : undefined;
  const limit = match ? Number(match[1]) : 0;
  if (windowMs === undefined || windowMs < 100 || windowMs > 86_400_000 || limit < 1 || limit > 1e9) return text;
  return { limit, windowMs };
}

export const toRate = ({ value }: { value: unknown }) => (typeof value === 'string' ? parseRate(value) : value);

/** Accepts what parseRate made of valid text: a Rate, or null for `off`. */
export function IsRate(): PropertyDecorator {
  return ValidateBy({
    name: 'isRate',
    validator: {
      validate: (value: unknown) => value === null || (typeof value === 'object' && value !== null),
      defaultMessage: (args) =>
        `${args?.property} must be a count per duration such as 300/10s or 60/1m (at least 100ms, at most 1d), or off`,
    },
  });
}

/** `300/10s` for messages and docs. */
export function describeRate(rate: Rate): string {
  const { windowMs } = rate;
  const window =
    windowMs % 60_000 === 0
      ? `${windowMs / 60_000} min`
      : windowMs % 1_000 === 0
        ? `${windowMs / 1_000} s`
        : `${windowMs} ms`;
  return `${rate.limit} per ${window}`;
}
