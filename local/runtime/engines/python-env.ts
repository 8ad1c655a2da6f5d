/** Finds the project's Python environment (`.venv/`), which the Spark engine runs in. */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { PythonEnvironmentMissingError } from '../errors';

/** The project root (where `.venv/` and `glue/` are). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The command that creates the environment (also run by `npm test`). */
export const PYTHON_ENV_COMMAND = 'npm run python-env';

/** The Python interpreter of the environment: `ETL_PYTHON`, else `.venv/bin/python`; throws when missing. */
export function pythonInterpreter(): string {
  const python = process.env.ETL_PYTHON ?? path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new PythonEnvironmentMissingError(
      `the Spark engine needs the project's Python environment (${python} not found): run \`${PYTHON_ENV_COMMAND}\` once`,
    );
  }
  return python;
}
