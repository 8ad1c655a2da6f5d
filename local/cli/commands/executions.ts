/** `etl executions`: the group of list, show and redrive. */
import type { Command } from 'commander';

import type { CliContext } from '../cli-context';
import { executionsListCommand } from './executions-list';
import { executionsRedriveCommand } from './executions-redrive';
import { executionsShowCommand } from './executions-show';

/** Adds `executions` and its subcommands to the program. */
export function executionsCommand(program: Command, context: CliContext): Command {
  const executions = program.command('executions').description('inspect the local execution history');
  executionsListCommand(executions, context);
  executionsShowCommand(executions, context);
  executionsRedriveCommand(executions, context);
  return executions;
}
