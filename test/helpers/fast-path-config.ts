/** The project's dataset config with the fast path's threshold set, for tests that pick a route. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from './local-root';

/** A dataset of etl.config.json, as a test edits it. */
export type DatasetDocument = Record<string, unknown> & { name: string };

/**
 * Writes `etl.config.json` into `dir` with every dataset's `fastPathMaxBytes` set to `maxBytes`
 * (0: every file goes to the Glue job, as before the fast path), after `edit`; returns its path.
 */
export function configWithFastPath(dir: string, maxBytes: number, edit: (dataset: DatasetDocument) => void = () => undefined): string {
  const config = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'etl.config.json'), 'utf-8')) as { datasets: DatasetDocument[] };
  for (const dataset of config.datasets) {
    dataset.fastPathMaxBytes = maxBytes;
    edit(dataset);
  }
  const file = path.join(dir, `etl.config.fast-path-${maxBytes}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** The config that sends every file to the Glue job (its local stand-in): the fast path off. */
export function glueRouteConfig(dir: string): string {
  return configWithFastPath(dir, 0);
}
