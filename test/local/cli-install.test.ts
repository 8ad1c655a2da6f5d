/**
 * `etl` from any directory: `npm install -g <checkout>` (README, "From any directory") into a
 * temporary prefix links the checkout — offline, no download, no install script — and its
 * `<prefix>/bin/etl` runs from a folder outside the checkout, with the project's config.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT, tempRoot } from '../helpers/local-root';

/** npm beside the running node (as installed with it), else the one on the PATH. */
function npm(): string {
  const beside = path.join(path.dirname(process.execPath), 'npm');
  return spawnSync(beside, ['--version']).status === 0 ? beside : 'npm';
}

describe('npm install -g from a checkout', () => {
  it('puts an etl on the prefix’s bin that runs from anywhere', () => {
    // Prepare
    const prefix = tempRoot();
    const elsewhere = tempRoot();
    const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf-8')) as { version: string };
    // The environment of an outside folder: no ETL_CONFIG, npm's cache and logs in the prefix.
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_cache: path.join(prefix, '.npm'), npm_config_update_notifier: 'false' };
    delete env.ETL_CONFIG;

    // Act
    const install = spawnSync(
      npm(),
      ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', PROJECT_ROOT],
      {
        encoding: 'utf-8',
        env,
        cwd: elsewhere,
      },
    );
    const etl = path.join(prefix, 'bin', 'etl');
    const shown = spawnSync(etl, ['--version'], { encoding: 'utf-8', env, cwd: elsewhere });
    const validated = spawnSync(etl, ['validate', '--json'], { encoding: 'utf-8', env, cwd: elsewhere });

    // Assess
    expect({ status: install.status, stderr: install.stderr }).toEqual({ status: 0, stderr: '' });
    expect(realpathSync(etl)).toBe(path.join(realpathSync(PROJECT_ROOT), 'bin', 'etl.js'));
    expect({ status: shown.status, stdout: shown.stdout.trim(), stderr: shown.stderr }).toEqual({ status: 0, stdout: version, stderr: '' });
    expect(validated.status).toBe(0);
    expect(JSON.parse(validated.stdout)).toMatchObject({ config: { path: path.join(PROJECT_ROOT, 'etl.config.json'), source: 'project' }, valid: true });
  });
});
