/** `etl validate`: checks a dataset configuration and prints each dataset's compiled plan in both dialects. */
import type { Command } from 'commander';

import { formatColumnType } from '../../../core/config/column-type';
import type { DatasetConfig } from '../../../core/config/dataset-config';
import { ConfigError } from '../../../core/errors';
import { compileTransformPlan, type TransformPlan } from '../../../core/transform/compile-plan';
import type { DialectName } from '../../../core/transform/dialect';
import { type CliContext, EXIT, reportError } from '../cli-context';
import { describeConfig, loadConfig, resolveConfig } from '../config-file';
import { configOption, jsonOption } from '../options';

/** The options of `etl validate`. */
export interface ValidateOptions {
  readonly config?: string;
  readonly json?: boolean;
}

/** The dialects a plan is shown in: the local engine's and Glue's. */
const DIALECTS: readonly DialectName[] = ['duckdb', 'spark'];

/** Adds `validate` to the program. */
export function validateCommand(program: Command, { io, result }: CliContext): Command {
  return program
    .command('validate')
    .description("check a dataset configuration (which file: see below) and print each dataset's compiled plan, DuckDB and Spark SQL; exit 1 if invalid")
    .addOption(configOption())
    .addOption(jsonOption('print one JSON object: the file, and per dataset its plans'))
    .action((opts: ValidateOptions) => {
      const resolved = resolveConfig(opts.config);
      if (!opts.json) io.out(`config: ${describeConfig(resolved)}`);
      let datasets: readonly DatasetConfig[];
      try {
        datasets = loadConfig(resolved).datasets;
      } catch (e: unknown) {
        // An invalid config is this command's verdict (exit 1), not a usage error.
        if (!(e instanceof ConfigError)) throw e;
        reportError(io, e, Boolean(opts.json));
        result.exitCode = EXIT.failed;
        return;
      }
      const plans = datasets.map((dataset) => ({ dataset, plans: DIALECTS.map((dialect) => compileTransformPlan(dataset, dialect)) }));
      if (opts.json) {
        io.out(
          JSON.stringify({
            config: resolved,
            valid: true,
            datasets: plans.map(({ dataset, plans: compiled }) => ({ name: dataset.name, plans: Object.fromEntries(compiled.map((p) => [p.dialect, p])) })),
          }),
        );
        return;
      }
      io.out(`valid: ${datasets.length} dataset${datasets.length === 1 ? '' : 's'} (${datasets.map((d) => d.name).join(', ')})`);
      for (const { dataset, plans: compiled } of plans) {
        io.out('');
        for (const line of describeDataset(dataset)) io.out(line);
        for (const plan of compiled) for (const line of describePlan(plan)) io.out(line);
      }
    });
}

/** The dataset in a few lines: what it matches, its columns, its dedupe and partitioning. */
function describeDataset(dataset: DatasetConfig): string[] {
  const { keys, keepLatestBy } = dataset.dedupe;
  const partitioning = dataset.partitioning.by === 'column' ? `by column ${dataset.partitioning.column}` : 'by ingestion date';
  return [
    `dataset ${dataset.name}: ${dataset.match}`,
    `  columns: ${dataset.columns.map((c) => `${c.name} ${formatColumnType(c.type)}${c.nullable ? ' nullable' : ''}${c.required ? '' : ' optional'}`).join(', ')}`,
    `  dedupe: ${keys.length === 0 ? 'exact duplicates only' : `keys ${keys.join(', ')}${keepLatestBy ? `, latest by ${keepLatestBy}` : ''}`}; partitioned ${partitioning} from ${dataset.partitioning.firstDate}; re-uploads ${dataset.reuploads}`,
  ];
}

/** A compiled plan, readable: its steps, then the queries the runner reads. */
function describePlan(plan: TransformPlan): string[] {
  const block = (title: string, sql: string): string[] => [`    ${title}:`, ...layoutSql(sql, plan.dialect).map((line) => `      ${line}`)];
  return [
    `  ${plan.dialect} plan:`,
    ...plan.steps.flatMap((step) => block(`step ${step.name}${step.materialize ? ' (materialized)' : ''}`, step.sql)),
    ...block('metrics', plan.metricsSql),
    ...block('output', plan.outputSql),
    ...(plan.latestSql === null ? ["    latest: none (no dedupe keys: the state is the last load's rows)"] : block('latest', plan.latestSql)),
  ];
}

/** Clauses that start a new line when they are not inside parentheses or quotes. */
const CLAUSES = ['FROM', 'WHERE', 'GROUP BY', 'CROSS JOIN', 'UNION', 'ORDER BY'];

/** How a control character inside a literal is shown (the plan holds it raw). */
const SHOWN: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Lays SQL out for reading: a line per top-level clause (FROM, WHERE, …), per item of a
 * top-level list and per top-level WHEN, outside quotes and parentheses. Line breaks and tabs
 * inside a literal are shown as `\n`, `\r`, `\t` (the plan itself holds them raw). Spark's
 * literals take backslash escapes, DuckDB's do not.
 */
export function layoutSql(sql: string, dialect: DialectName): string[] {
  const lines: string[] = [];
  let line = '';
  let indent = '';
  const breakLine = (next: string): void => {
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = next;
    indent = next;
  };
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      if (c === '\\' && quote === "'" && dialect === 'spark') {
        line += sql.slice(i, i + 2);
        i++;
        continue;
      }
      if (c === quote) quote = undefined;
      line += SHOWN[c] ?? c;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth === 0 && (c === '\n' || c === ' ')) {
      const rest = sql.slice(i + 1);
      if (c === '\n') breakLine(/^\s*/.exec(rest)?.[0].replace(/\n/g, '') ?? '');
      else if (CLAUSES.some((clause) => rest.startsWith(`${clause} `))) breakLine('');
      else if (rest.startsWith('WHEN ')) breakLine('    ');
      else line += c;
      if (c === '\n' || line === indent) while (sql[i + 1] === ' ' || sql[i + 1] === '\n') i++;
      continue;
    }
    line += c;
    if (c === ',' && depth === 0 && sql[i + 1] === ' ') {
      breakLine('  ');
      i++;
    }
  }
  breakLine('');
  return lines;
}
