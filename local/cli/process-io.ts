/**
 * The CLI's output on the process's own stdout and stderr, surviving a reader that goes away.
 *
 * `etl query … | head -1`: head exits after its line and the pipe closes; the next write fails
 * with EPIPE, which Node (ignoring SIGPIPE) emits as an 'error' event on the stream, an uncaught
 * exception unless someone listens. A closed reader is not a failure of the command: from then on
 * its lines are dropped, `stdoutClosed` aborts (`etl watch` stops as on Ctrl-C), and the command
 * finishes what it started — a run's executions end, none is left RUNNING — and exits with its
 * own code, nothing on stderr.
 */
import type { CliIo } from './cli-context';

let shared: CliIo | undefined;

/** Whether an error is a write to a pipe whose reader has gone. */
const isClosedPipe = (e: unknown): boolean => (e as { code?: unknown } | null)?.code === 'EPIPE';

/** The process's stdout and stderr as the CLI writes them; one per process (it listens on both streams). */
export function processIo(): CliIo {
  if (shared) return shared;
  const closed = new AbortController();
  let outOpen = true;
  let errOpen = true;
  process.stdout.on('error', (e: unknown) => {
    if (!isClosedPipe(e)) throw e;
    outOpen = false;
    closed.abort();
  });
  process.stderr.on('error', (e: unknown) => {
    if (!isClosedPipe(e)) throw e;
    errOpen = false;
  });
  shared = {
    out: (line) => void (outOpen && process.stdout.write(`${line}\n`)),
    err: (line) => void (errOpen && process.stderr.write(`${line}\n`)),
    stdoutClosed: closed.signal,
  };
  return shared;
}
