/**
 * The import boundaries of `eslint.config.mjs`, on fixtures: `test/lint/fixtures/` is a small tree
 * laid out like the project (core/, statemachine/, handlers/, infra/, local/, test/), linted with
 * the project's own config as if it were the project root. Each `imports-*.ts` makes one
 * deliberate import across a boundary and must be reported on that line; every other fixture is
 * legal and must get no message at all. `npm run lint` leaves the fixtures alone.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { ESLint, Linter } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');

/** Messages by fixture path (relative to the fixtures' root). */
let messages: Map<string, Linter.LintMessage[]>;

beforeAll(() => {
  // ESLint loads eslint.config.mjs by a dynamic import, which jest's module sandbox refuses: the
  // linting runs in a node process of its own. The plugin's root path makes fixtures/core/ "core/".
  const eslint = path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
  const result = spawnSync(process.execPath, [eslint, '--no-ignore', '--format', 'json', path.relative(ROOT, FIXTURES)], {
    cwd: ROOT,
    encoding: 'utf-8',
    env: { ...process.env, ESLINT_PLUGIN_BOUNDARIES_ROOT_PATH: FIXTURES },
  });
  if (result.stdout === '') throw new Error(`eslint printed nothing (exit ${result.status}): ${result.stderr}`);
  const results = JSON.parse(result.stdout) as ESLint.LintResult[];
  messages = new Map(results.map((r) => [path.relative(FIXTURES, r.filePath), r.messages]));
}, 60_000);

/** The line of the fixture's one import. */
function importLine(fixture: string): number {
  const lines = readFileSync(path.join(FIXTURES, fixture), 'utf-8').split('\n');
  return lines.findIndex((line) => line.startsWith('import ')) + 1;
}

/** The fixtures that must be errors, and what each imports. */
const MUST_FAIL: readonly (readonly [fixture: string, what: string])[] = [
  // The acceptance of issue 12: each of these three fails `npm test`.
  ['core/imports-handlers.ts', 'core/ into handlers/'],
  ['handlers/imports-better-sqlite3.ts', 'handlers/ into better-sqlite3'],
  ['infra/imports-local.ts', 'infra/ into local/'],
  // A depth no relative pattern foresaw.
  ['core/deep/er/imports-handlers.ts', 'core/deep/er/ into handlers/'],
  ['core/imports-aws-sdk.ts', 'core/ into an AWS SDK'],
  ['statemachine/imports-handlers.ts', 'statemachine/ into handlers/'],
  ['handlers/imports-aws-cdk-lib.ts', 'handlers/ into aws-cdk-lib'],
  ['handlers/imports-local.ts', 'handlers/ into local/'],
  ['handlers/imports-statemachine.ts', 'handlers/ into statemachine/'],
  ['infra/imports-handlers.ts', 'infra/ into handlers/'],
  ['local/runtime/imports-infra.ts', 'local/runtime/ into infra/'],
  // local/, bottom up: runtime ← shared ← console ← cli.
  ['local/runtime/imports-cli.ts', 'local/runtime/ into local/cli/'],
  ['local/shared/imports-console.ts', 'local/shared/ into local/console/'],
  ['local/console/imports-cli.ts', 'local/console/ into local/cli/'],
];

const report = (fixture: string) => (messages.get(fixture) ?? []).map(({ ruleId, severity, line }) => ({ ruleId, severity, line }));

describe('eslint.config.mjs: layers import only downward', () => {
  it.each(MUST_FAIL)('%s (an import from %s) is an error', (fixture) => {
    expect(report(fixture)).toEqual([{ ruleId: 'boundaries/dependencies', severity: 2, line: importLine(fixture) }]);
  });

  it('every imports-*.ts is asserted above, and every other fixture passes', () => {
    const fixtures = [...messages.keys()].sort();
    const deliberate = fixtures.filter((fixture) => path.basename(fixture).startsWith('imports-'));
    const legal = fixtures.filter((fixture) => !deliberate.includes(fixture));

    expect(deliberate).toEqual(MUST_FAIL.map(([fixture]) => fixture).sort());
    expect(legal).toEqual([
      'core/step.ts',
      'handlers/handler.ts',
      'infra/stack.ts',
      'local/cli/command.ts',
      'local/console/server.ts',
      'local/runtime/pipeline.ts',
      'local/shared/upload.ts',
      'statemachine/definition.ts',
      'test/anything.ts',
    ]);
    for (const fixture of legal) expect({ fixture, report: report(fixture) }).toEqual({ fixture, report: [] });
  });
});
