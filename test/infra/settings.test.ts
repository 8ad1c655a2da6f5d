/**
 * Deployment settings from CDK context, and the offline synth configuration of cdk.json.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

import { CONTEXT_DEFAULTS, readSettings, SettingsError } from '../../infra/settings';
import { buildPipeline, cdkJsonContext, ROOT } from './synth-pipeline';

const settingsOf = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe('cdk.json', () => {
  const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf-8')) as { app: string; notices: boolean; context: Record<string, unknown> };

  it('synthesizes offline: no notices, no telemetry, the app run by tsx', () => {
    expect(cdkJson.notices).toBe(false);
    expect(cdkJson.context['cli-telemetry']).toBe(false);
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
  });

  it('documents every setting with its default', () => {
    // Act
    const documented = Object.fromEntries(Object.entries(cdkJsonContext()).filter(([k]) => k.startsWith('etl:')));

    // Assess
    expect(documented).toEqual(CONTEXT_DEFAULTS);
  });

  it('turns CloudFormation schema findings into synth errors', () => {
    expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  });
});

describe('readSettings', () => {
  it('applies the documented defaults when nothing is set', () => {
    // Act
    const settings = settingsOf({});

    // Assess
    expect(settings).toEqual({
      configFile: 'etl.config.json',
      emails: { success: [], warning: [], failure: [], critical: [] },
      glueWorkers: 2,
      glueMaxConcurrentRuns: 3,
      glueTimeoutMinutes: 60,
      logRetentionDays: RetentionDays.ONE_MONTH,
      monthlyBudgetUsd: 50,
      lambdaDurationAlarmPercent: 80,
      failedExecutionsAlarmPerHour: 3,
      rowsAnomalyStdDevs: 2,
      inputsInfrequentAccessDays: 30,
      inputsGlacierDays: 90,
      inputsExpirationDays: 365,
      logsExpirationDays: 90,
    });
  });

  it('accepts the string spellings of -c key=value', () => {
    // Act
    const settings = settingsOf({
      'etl:glueWorkers': '4',
      'etl:criticalEmails': 'ops@example.com, oncall@example.com',
      'etl:logRetentionDays': '90',
      'etl:monthlyBudgetUsd': '12.5',
    });

    // Assess
    expect(settings.glueWorkers).toBe(4);
    expect(settings.emails.critical).toEqual(['ops@example.com', 'oncall@example.com']);
    expect(settings.logRetentionDays).toBe(RetentionDays.THREE_MONTHS);
    expect(settings.monthlyBudgetUsd).toBe(12.5);
  });

  it('reports every invalid setting in one error', () => {
    // Prepare
    const context = {
      'etl:glueWorkers': 1,
      'etl:glueTimeoutMinutes': 200,
      'etl:logRetentionDays': 31,
      'etl:failureEmails': 'not-an-address',
      'etl:monthlyBudgetUsd': 0,
      'etl:inputsGlacierDays': 40,
    };

    // Act
    let error: unknown;
    try {
      settingsOf(context);
    } catch (e: unknown) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    for (const key of Object.keys(context)) expect(message).toContain(key);
  });
});

describe('the dataset configuration file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'etl-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('may be another file with the same datasets', () => {
    // Prepare
    const copy = path.join(dir, 'same.json');
    writeFileSync(copy, readFileSync(path.join(ROOT, 'etl.config.json')));

    // Act / Assess
    expect(() => buildPipeline({ bundle: false, context: { 'etl:configFile': copy } })).not.toThrow();
  });

  it('is refused when it differs from the one the Lambda functions bundle', () => {
    // Prepare
    const config = JSON.parse(readFileSync(path.join(ROOT, 'etl.config.json'), 'utf-8')) as { datasets: { name: string }[] };
    config.datasets[0].name = 'orders_v2';
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify(config));

    // Act / Assess
    expect(() => buildPipeline({ bundle: false, context: { 'etl:configFile': other } })).toThrow(/differs from etl\.config\.json, which the Lambda functions bundle/);
  });
});
