/** What every command of the `etl` CLI is given: where it writes, and where it reports its exit code. */

/** Exit codes of the CLI; the program's help text prints them. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where the CLI writes its lines (tests capture them). */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** A command's context: its output, and the exit code its action sets (never process.exitCode). */
export interface CliContext {
  readonly io: CliIo;
  readonly result: { exitCode: number };
}
