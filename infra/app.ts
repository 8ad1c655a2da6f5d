#!/usr/bin/env node
/**
 * The CDK app: one environment-agnostic stack, configured through CDK context (keys and defaults
 * in `infra/settings.ts`, values in `cdk.json`), checked by cdk-nag's AWS Solutions rules. A finding
 * that is not acknowledged in `infra/nag-acknowledgements.ts` fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { EtlPipelineStack } from './etl-pipeline-stack';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { readSettings } from './settings';

const app = new App();
const stack = new EtlPipelineStack(app, 'EtlPipeline', {
  settings: readSettings(app.node),
  description: 'Event-driven CSV to Parquet ETL pipeline (S3, Lambda, Step Functions, Glue, SNS)',
});
acknowledgeNagFindings(stack);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
