#!/usr/bin/env node
/**
 * The CDK app: one environment-agnostic stack per stage (`-c etl:stage=…`), configured through CDK
 * context (keys and defaults in `infra/settings.ts`, values in `cdk.json`), checked by cdk-nag's AWS
 * Solutions rules. A finding that is not acknowledged in `infra/nag-acknowledgements.ts` fails the
 * synth; cfn-lint and checkov findings are acknowledged in `infra/lint-acknowledgements.ts` (the
 * tests run both tools on the template). A dataset config that is not a compatible evolution of
 * `etl.schema-lock.json` fails the synth with SchemaEvolutionError (`infra/schema-lock.ts`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { parseConfigText } from '../core/config/dataset-config';
import { LambdaDuckDbMissingError } from './errors';
import { addPipelineStack, CONFIG_FILE, PROJECT_ROOT } from './etl-pipeline-stack';
import { acknowledgeLintFindings } from './lint-acknowledgements';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { enforceSchemaLock, SCHEMA_LOCK_FILE } from './schema-lock';

// Before the stack bundles anything: a refused schema change fails the synth at once.
enforceSchemaLock(parseConfigText(readFileSync(path.join(PROJECT_ROOT, CONFIG_FILE), 'utf-8'), CONFIG_FILE), path.join(PROJECT_ROOT, SCHEMA_LOCK_FILE));
const app = new App();
try {
  const stack = addPipelineStack(app);
  acknowledgeNagFindings(stack);
  acknowledgeLintFindings(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (e: unknown) {
  // A step of the install was skipped: one line saying which, not a stack trace.
  if (!(e instanceof LambdaDuckDbMissingError)) throw e;
  console.error(`${e.name}: ${e.message}`);
  process.exitCode = 1;
}
