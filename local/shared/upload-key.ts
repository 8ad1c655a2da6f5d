/** The key under `extract/` a local file is uploaded under: the CLI's `run` and the console's upload. */
import path from 'node:path';

import { findDatasetForKey, getDataset } from '../../core/config/dataset-config';
import type { LocalPipeline } from '../runtime/local-pipeline';
import { UsageError } from './errors';

/**
 * The key a file is uploaded under: `extract/<file name>`, or with `dataset` set, the first of
 * `extract/<file name>`, `extract/<dataset>/<file name>`, `extract/<dataset>/<dataset>-<file name>`
 * that the dataset's `match` glob covers.
 */
export function uploadKey(pipeline: LocalPipeline, file: string, dataset?: string): string {
  const base = path.basename(file);
  if (dataset === undefined) return `extract/${base}`;
  const { match } = getDataset(pipeline.config, dataset);
  const candidates = [`extract/${base}`, `extract/${dataset}/${base}`, `extract/${dataset}/${dataset}-${base}`];
  const key = candidates.find((k) => findDatasetForKey(pipeline.config, k)?.name === dataset);
  if (!key) {
    throw new UsageError(`${base}: no key under extract/ built from this file name matches dataset ${dataset} (${match}); rename the file`);
  }
  return key;
}
