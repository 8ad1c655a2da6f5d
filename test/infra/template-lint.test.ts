/**
 * AWS's CloudFormation linter (cfn-lint) and checkov on the synthesized template, from the
 * project's Python environment: no finding but those acknowledged, per resource and with a reason,
 * in infra/lint-acknowledgements.ts, and no acknowledgement that no finding needs. The template is
 * synthesized once and written twice — as is, and stripped of every acknowledgement — and each tool
 * lints both files in one run, the two tools in parallel.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type LintAcknowledgement, lintAcknowledgements } from '../../infra/lint-acknowledgements';
import { ROOT, synthPipeline } from './synth-pipeline';

/** The stack is environment-agnostic: lint it against the specs of regions it is meant for. */
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2'];

/** One finding: tool, rule and the resource's logical id. */
type Finding = string;
const finding = (tool: string, rule: string, logicalId: string): Finding => `${tool} ${rule} ${logicalId}`;

interface CfnLintResult {
  readonly Filename: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: readonly (string | number)[] };
  readonly Message: string;
}
interface CheckovCheck {
  readonly check_id: string;
  readonly resource: string;
  readonly file_abs_path: string;
  readonly check_result: { readonly suppress_comment?: string };
}
interface CheckovReport {
  readonly results: { readonly failed_checks: readonly CheckovCheck[]; readonly skipped_checks: readonly CheckovCheck[] };
  readonly summary: { readonly parsing_errors: number; readonly resource_count: number };
}

/** Runs a tool of the project's Python environment; resolves with its exit status and output. */
function tool(name: string, args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, '.venv', 'bin', name), args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'WARNING' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A tool's JSON report (on stdout), or an error carrying what it printed instead. */
function report<T>(name: string, result: { status: number | null; stdout: string; stderr: string }): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`${name} printed no JSON report (exit ${result.status}): ${result.stderr}${result.stdout}`);
  }
}

/** The template as synthesized, and the same without any acknowledgement (to see what each silences). */
const FILES = ['template.json', 'unacknowledged.json'] as const;
type TemplateFile = (typeof FILES)[number];

let acks: LintAcknowledgement[];
let logicalIdOf: (ack: LintAcknowledgement) => string;
let dir: string;
let cfnLint: CfnLintResult[];
let checkov: CheckovReport;
const of = (file: TemplateFile): string => path.join(dir, file);
/** cfn-lint's findings on one of the files. */
const cfnLintFindings = (file: TemplateFile): CfnLintResult[] => cfnLint.filter((r) => path.resolve(r.Filename) === of(file));
/** checkov's checks of one of the files, failed or skipped. */
const checkovChecks = (file: TemplateFile, kind: 'failed_checks' | 'skipped_checks'): CheckovCheck[] =>
  checkov.results[kind].filter((c) => c.file_abs_path === of(file));
const checkovFinding = (c: CheckovCheck): Finding => finding('checkov', c.check_id, c.resource.slice(c.resource.indexOf('.') + 1));

beforeAll(async () => {
  // Prepare: the template as the app synthesizes it (the Lambda code is not linted: no bundling)
  const { stack, template } = synthPipeline({ bundle: false });
  acks = lintAcknowledgements(stack);
  logicalIdOf = (ack) => stack.resolve(stack.getLogicalId(ack.resource)) as string;
  dir = mkdtempSync(path.join(tmpdir(), 'etl-lint-'));
  const json = template.toJSON() as { Resources: Record<string, { Metadata?: Record<string, unknown> }> };
  writeFileSync(of('template.json'), JSON.stringify(json, null, 1));
  for (const resource of Object.values(json.Resources)) {
    delete resource.Metadata?.['cfn-lint'];
    delete resource.Metadata?.checkov;
  }
  writeFileSync(of('unacknowledged.json'), JSON.stringify(json, null, 1));

  // Act: each tool once, on both files
  const [linted, checked] = await Promise.all([
    tool('cfn-lint', ['--format', 'json', '--regions', ...REGIONS, '--', ...FILES.map(of)]),
    // --skip-download: no call to Prisma Cloud (no network here, and none needed for the checks).
    tool('checkov', [...FILES.flatMap((f) => ['--file', of(f)]), '--framework', 'cloudformation', '--skip-download', '--output', 'json']),
  ]);
  cfnLint = report('cfn-lint', linted);
  checkov = report('checkov', checked);
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cfn-lint', () => {
  it('finds nothing on the template, in every region it is linted for', () => {
    expect(cfnLintFindings('template.json').map((r) => `${r.Rule.Id} ${r.Location.Path.join('/')}: ${r.Message}`)).toEqual([]);
  });

  it('has no stale acknowledgement: each one silences a finding of its resource', () => {
    // Prepare
    const wanted = acks.filter((a) => a.tool === 'cfn-lint').map((a) => finding('cfn-lint', a.rule, logicalIdOf(a)));

    // Act
    const found = cfnLintFindings('unacknowledged.json').map((r) =>
      finding('cfn-lint', r.Rule.Id, String(r.Location.Path[r.Location.Path[0] === 'Resources' ? 1 : 0])),
    );

    // Assess
    expect([...new Set(found)].sort()).toEqual([...new Set(wanted)].sort());
  });
});

describe('checkov', () => {
  it('parses both templates and fails no check of the template', () => {
    expect(checkov.summary.parsing_errors).toBe(0);
    expect(checkov.summary.resource_count).toBeGreaterThan(100);
    expect(checkovChecks('template.json', 'failed_checks').map(checkovFinding)).toEqual([]);
  });

  it('skips exactly the acknowledged checks, each with its reason, and each would fail without it', () => {
    // Prepare
    const wanted = acks.filter((a) => a.tool === 'checkov');

    // Act
    const skipped = checkovChecks('template.json', 'skipped_checks').map((c) => `${checkovFinding(c)}: ${c.check_result.suppress_comment ?? ''}`);
    const failedWithout = checkovChecks('unacknowledged.json', 'failed_checks').map(checkovFinding);

    // Assess
    expect(skipped.sort()).toEqual(wanted.map((a) => `${finding('checkov', a.rule, logicalIdOf(a))}: ${a.reason}`).sort());
    expect(failedWithout.sort()).toEqual(wanted.map((a) => finding('checkov', a.rule, logicalIdOf(a))).sort());
  });
});

describe('the acknowledgements', () => {
  it('give each finding its own reason, naming what it is about', () => {
    // Act
    const reasons = acks.map((a) => `${a.tool} ${a.rule} ${a.reason}`);

    // Assess
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const ack of acks) expect(ack.reason).toMatch(/etl-[a-z-]+|CDK [A-Za-z]+|access-log bucket/);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(60);
  });
});
