/** The `etl` CLI run in-process, as the tests drive it: its exit code and the lines it wrote. */
import { main } from '../../local/cli/main';

/** What one in-process run of the CLI printed. */
export interface CliRun {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

/** Runs `etl <args>` in this process, with `env` set for the run only; its stdout and stderr lines. */
export async function etl(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}
