/**
 * `npm run demo`: runs the three sample files through the local pipeline in a fresh root
 * (`.etl/demo`) and prints their outcomes. Exits 0 when each ends as the sample intends:
 * orders-clean SUCCESS, orders-with-duplicates WARNING, orders-rejected FAILURE.
 */
import '../runtime/node-compat';

import { rmSync } from 'node:fs';
import path from 'node:path';

import { LocalPipeline } from '../runtime/local-pipeline';
import { formatRunResult } from '../shared/run-result';
import { runFiles } from './run-files';

const SAMPLES = path.resolve(__dirname, '..', '..', 'samples');
const EXPECTED: Record<string, string> = {
  'orders-clean.csv': 'SUCCESS',
  'orders-with-duplicates.csv': 'WARNING',
  'orders-rejected.csv': 'FAILURE',
};

async function demo(): Promise<number> {
  const root = path.resolve('.etl', 'demo');
  rmSync(root, { recursive: true, force: true });
  const pipeline = new LocalPipeline({ root });
  try {
    const files = Object.keys(EXPECTED).map((name) => path.relative(process.cwd(), path.join(SAMPLES, name)));
    const results = await runFiles(pipeline, files, { onResult: (r) => console.log(formatRunResult(r)) });
    console.log(`\nOutput:        ${path.join(root, 'bucket', 'load')}`);
    console.log(`Notifications: ${path.join(root, 'bucket', 'logs', 'notifications.jsonl')}`);
    console.log(`History:       npx etl executions list --root ${path.relative(process.cwd(), root)}`);
    const unexpected = results.filter((r) => EXPECTED[path.basename(r.file ?? '')] !== r.status);
    for (const r of unexpected) console.error(`unexpected: ${r.file} ended ${r.status}, expected ${EXPECTED[path.basename(r.file ?? '')]}`);
    return unexpected.length === 0 ? 0 : 1;
  } finally {
    pipeline.close();
  }
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
