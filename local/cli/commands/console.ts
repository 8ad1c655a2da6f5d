/** `etl console`: serves the execution console on 127.0.0.1 until Ctrl-C. */
import path from 'node:path';

import type { Command } from 'commander';

import { type ConsoleServer, DEFAULT_CONSOLE_PORT, startConsoleServer } from '../../console/server';
import type { EngineName } from '../../runtime/engines/glue-job';
import { UsageError } from '../../shared/errors';
import type { CliContext } from '../cli-context';
import { describeConfig, resolveConfig } from '../config-file';
import { configOption, engineOption, portNumber, rootOption } from '../options';

/** The options of `etl console`. */
export interface ConsoleOptions {
  readonly root: string;
  readonly config?: string;
  readonly engine?: EngineName;
  readonly port: number;
}

/** Adds `console` to the program. */
export function consoleCommand(program: Command, { io }: CliContext): Command {
  return program
    .command('console')
    .description("serve the execution console on 127.0.0.1: the graph, each execution's path, events and files; redrive and upload (Ctrl-C stops)")
    .addOption(rootOption())
    .addOption(configOption())
    .addOption(engineOption())
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', portNumber, DEFAULT_CONSOLE_PORT)
    .action(async (opts: ConsoleOptions) => {
      const root = path.resolve(opts.root);
      const config = resolveConfig(opts.config);
      let server: ConsoleServer;
      try {
        server = await startConsoleServer({ root, port: opts.port, engine: opts.engine, configPath: config.path });
      } catch (e: unknown) {
        if ((e as { code?: string }).code === 'EADDRINUSE') {
          throw new UsageError(`port ${opts.port} is in use on 127.0.0.1; choose another with --port N (0 picks a free one)`, { cause: e });
        }
        throw e;
      }
      io.out(`console: ${server.url} (root ${root}; config ${describeConfig(config)}; Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
