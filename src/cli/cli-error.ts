import { CohoraHttpError, CohoraNetworkError, MessageNotSentError } from '../client/client-errors.js';

/** A failure the CLI explains in one line; `exitCode` 2 is a usage mistake, 1 anything else. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(`${message} (cohora --help shows the commands)`, 2);
  }
}

/** One line for any error: the CLI never prints a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof MessageNotSentError && error.maybeStored) {
    return `the server did not confirm the message after ${error.attempts} tries (${describeError(error.lastError)}): it may have arrived; sending it again cannot deliver it twice`;
  }
  if (error instanceof MessageNotSentError) {
    return `the message was NOT sent after ${error.attempts} tries (${describeError(error.lastError)}); try again later`;
  }
  if (error instanceof CohoraNetworkError) {
    return `could not reach the cohora server at ${error.url}: is it running? (start it with npm start, or pass --server URL)`;
  }
  if (error instanceof CohoraHttpError) return `the server refused: ${error.message} (${error.status})`;
  if (error instanceof Error) return error.message;
  return String(error);
}
