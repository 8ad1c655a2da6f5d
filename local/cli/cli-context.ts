/** What every command of the `etl` CLI is given: where it writes, and where it reports its exit code. */
import { ConfigError, InvalidKeyError } from '../../core/errors';
import { ExecutionNotFoundError, ExecutionNotRedrivableError, PythonEnvironmentMissingError } from '../runtime/errors';
import { UsageError } from '../shared/errors';
import { AwsRequestError, isAwsServiceError } from './aws-errors';
import { QueryFailedError } from './errors';

/** Exit codes of the CLI; the program's help text prints them. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the CLI writes its lines (tests capture them). */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Aborts once stdout's reader has gone (`| head -1`): a command that runs until stopped stops. */
  readonly stdoutClosed?: AbortSignal;
}

/** A command's context: its output, and the exit code its action sets (never process.exitCode). */
export interface CliContext {
  readonly io: CliIo;
  readonly result: { exitCode: number };
}

/** How an error is reported with `--json`: one JSON object on stdout. */
export interface JsonError {
  readonly error: { readonly name: string; readonly message: string };
}

/**
 * The exit code of an error the CLI expects, `undefined` for any other (a bug: its stack is shown).
 * Usage: the command line, the config, a key the bucket refuses, a missing Python environment.
 * Failed: an execution that is not there or cannot be redriven, a query that fails, AWS's refusals.
 */
export function exitCodeOf(e: unknown): number | undefined {
  if (e instanceof UsageError || e instanceof ConfigError || e instanceof InvalidKeyError || e instanceof PythonEnvironmentMissingError) return EXIT.usage;
  if (
    e instanceof ExecutionNotFoundError ||
    e instanceof ExecutionNotRedrivableError ||
    e instanceof QueryFailedError ||
    e instanceof AwsRequestError ||
    isAwsServiceError(e)
  ) {
    return EXIT.failed;
  }
  return undefined;
}

/** The JSON object of an error: its stable name and its message. */
export function jsonError(name: string, message: string): JsonError {
  return { error: { name, message } };
}

/**
 * Reports an error: with `json`, {@link JsonError} on stdout (stdout then carries JSON lines only);
 * else `etl: <message>` on stderr (an AWS error with its name first).
 */
export function reportError(io: CliIo, e: unknown, json: boolean): void {
  const error = e instanceof Error ? e : new Error(String(e));
  if (json) io.out(JSON.stringify(jsonError(error.name, error.message)));
  else io.err(`etl: ${isAwsServiceError(error) ? `${error.name}: ` : ''}${error.message}`);
}
