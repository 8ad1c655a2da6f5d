/**
 * cdk-nag (AWS Solutions, v3 API): the app synthesizes with no unacknowledged finding, every
 * acknowledgement matches a finding that exists (none is stale), and each one carries its own
 * reason.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { nagAcknowledgements } from '../../infra/nag-acknowledgements';
import { buildPipeline } from './synth-pipeline';

interface Finding {
  readonly id: string;
  readonly path: string;
}

/** The findings of the AWS Solutions pack on a construct tree, acknowledged ones excluded. */
function findings(scope: Parameters<AwsSolutionsChecks['validateScope']>[0]): Finding[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '?' })));
}

describe('cdk-nag AwsSolutionsChecks', () => {
  it('finds nothing unacknowledged, and the app synthesizes with the pack as a validation plugin', () => {
    // Prepare
    const { app, stack } = buildPipeline({ bundle: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const unacknowledged = findings(stack);
    const assembly = app.synth();

    // Assess
    expect(unacknowledged).toEqual([]);
    const reportFile = path.join(assembly.directory, 'validation-report.json');
    const reports = existsSync(reportFile)
      ? (JSON.parse(readFileSync(reportFile, 'utf-8')) as { pluginReports: { violations: unknown[] }[] }).pluginReports
      : [];
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('has no stale acknowledgement: each one matches a finding of the stack without them', () => {
    // Prepare
    const { stack } = buildPipeline({ bundle: false, acknowledge: false });
    const raw = findings(stack);

    // Act
    const unused = nagAcknowledgements(stack).filter(
      (ack) => !raw.some((f) => f.id === ack.id && (f.path === ack.scope.node.path || f.path.startsWith(`${ack.scope.node.path}/`))),
    );

    // Assess
    expect(raw.length).toBeGreaterThan(0);
    expect(unused.map((a) => `${a.scope.node.path}: ${a.id}`)).toEqual([]);
  });

  it('gives every acknowledgement a specific reason: its own text, naming what it is about', () => {
    // Prepare
    const { stack } = buildPipeline({ bundle: false, acknowledge: false });

    // Act
    const acks = nagAcknowledgements(stack);
    const reasons = acks.map((a) => a.reason);

    // Assess
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const reason of reasons) {
      expect(reason.length).toBeGreaterThan(80);
      expect(reason).toMatch(/etl-[a-z-]+|BucketDeployment|BucketNotificationsHandler|dead-letter queue/);
    }
  });
});
