#!/usr/bin/env node
/**
 * The CDK app: one environment-agnostic stack per stage (`-c etl:stage=…`), configured through CDK
 * context (keys and defaults in `infra/settings.ts`, values in `cdk.json`), checked by cdk-nag's AWS
 * Solutions rules. A finding that is not acknowledged in `infra/nag-acknowledgements.ts` fails the
 * synth; cfn-lint and checkov findings are acknowledged in `infra/lint-acknowledgements.ts` (the
 * tests run both tools on the template).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { addPipelineStack } from './etl-pipeline-stack';
import { acknowledgeLintFindings } from './lint-acknowledgements';
import { acknowledgeNagFindings } from './nag-acknowledgements';

const app = new App();
const stack = addPipelineStack(app);
acknowledgeNagFindings(stack);
acknowledgeLintFindings(stack);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
