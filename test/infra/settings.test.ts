/**
 * Deployment settings from CDK context, and the offline synth configuration of cdk.json.
 */
import 'aws-cdk-lib/testhelpers/jest-autoclean';

import { readFileSync } from 'node:fs';
import path from 'node:path';

import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

import { SettingsError } from '../../infra/errors';
import { CONTEXT_DEFAULTS, readSettings } from '../../infra/settings';
import { cdkJsonContext, ROOT } from './synth-pipeline';

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
      stage: '',
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

describe('etl:stage', () => {
  it.each(['dev', 'prod', 'qa2', 'eu-test'])('accepts %s', (stage) => {
    expect(settingsOf({ 'etl:stage': stage }).stage).toBe(stage);
  });

  it.each(['Dev', '1dev', 'dev_1', 'dev-', 'a-very-long-stage', 'de v'])('refuses %s, which some physical name could not hold', (stage) => {
    expect(() => settingsOf({ 'etl:stage': stage })).toThrow(/etl:stage: expected lower-case letters/);
  });
});

describe('unknown settings', () => {
  it('refuses etl:configFile, which was removed: the bundles and the Glue plans are always built from etl.config.json', () => {
    expect(() => settingsOf({ 'etl:configFile': 'other.json' })).toThrow(/etl:configFile: not a setting of this app/);
  });

  it('refuses a misspelt key instead of ignoring it', () => {
    expect(() => settingsOf({ 'etl:glueWorker': 4 })).toThrow(/etl:glueWorker: not a setting of this app \(settings: etl:stage, /);
  });
});
