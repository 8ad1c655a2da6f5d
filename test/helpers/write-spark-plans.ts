/**
 * Writes each dataset's compiled Spark plan to `<dir>/<dataset>.json`, as the deployment puts
 * them under scripts/plans/. Used by the Glue runner's pytest suite (glue/tests/conftest.py).
 * Usage: tsx test/helpers/write-spark-plans.ts <dir> [config.json]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { parseConfigText } from '../../core/config/dataset-config';
import { compileTransformPlan } from '../../core/transform/compile-plan';

const [dir, configPath = path.join(__dirname, '..', '..', 'etl.config.json')] = process.argv.slice(2);
const config = parseConfigText(readFileSync(configPath, 'utf-8'), configPath);
mkdirSync(dir, { recursive: true });
for (const dataset of config.datasets) {
  writeFileSync(path.join(dir, `${dataset.name}.json`), `${JSON.stringify(compileTransformPlan(dataset, 'spark'), null, 2)}\n`);
}
