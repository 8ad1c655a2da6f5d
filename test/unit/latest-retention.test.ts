/**
 * The retention of the dataset state's versions (core/naming.ts): the `_replaces` file of each
 * version, the rule that picks the versions a publication deletes, and the retention period held
 * to the Transform Task's timeout (statemachine/etl.asl.json) and to the Glue runner's mirror of it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import {
  LATEST_VERSION_RETENTION_MS,
  formatLatestReplaces,
  latestReplacesKey,
  latestVersionId,
  latestVersionPrefix,
  latestVersionsToDelete,
  parseLatestReplaces,
} from '../../core/naming';
import { pythonInterpreter } from '../../local/runtime/engines/python-env';
import { STATE, allStates, parseDefinition, readAslText } from '../../statemachine/definition';

const HOUR = 60 * 60 * 1000;
const NOW = new Date('2026-11-25T12:00:00Z');
/** The retention in hours: the ages below are relative to it. */
const R = LATEST_VERSION_RETENTION_MS / HOUR;
/** A version id created `hoursAgo` hours before {@link NOW}. */
const version = (hoursAgo: number, run: string): string => latestVersionId(new Date(NOW.getTime() - hoursAgo * HOUR), run);
/** The keys of one version folder: its state file and its `_replaces`. */
const folder = (v: string): string[] => [`${latestVersionPrefix('orders', v)}part-0.parquet`, latestReplacesKey('orders', v)];

describe('the _replaces file of a state version', () => {
  it('sits in the version folder and names one version per line; none is the empty text', () => {
    // Act
    const text = formatLatestReplaces(['20261125T100000Z-run-1', '20261125T110000Z-run-2']);

    // Assess
    expect(latestReplacesKey('orders', 'V')).toBe('load/latest/orders/versions/V/_replaces');
    expect(text).toBe('20261125T100000Z-run-1\n20261125T110000Z-run-2\n');
    expect(parseLatestReplaces(text)).toEqual(['20261125T100000Z-run-1', '20261125T110000Z-run-2']);
    expect(formatLatestReplaces([])).toBe('');
    expect(parseLatestReplaces('')).toEqual([]);
    expect(parseLatestReplaces('a\r\n\nb')).toEqual(['a', 'b']);
  });
});

describe('latestVersionsToDelete', () => {
  it('keeps the current version, the chain it replaced while the replacing one is young, and every young version; deletes the rest', () => {
    // Prepare: a chain v0 ← v1 ← v2 ← v3 (current); v1 replaced v0 and is past the retention, so
    // v0 is past the chain's reach; v2 (an hour past it) replaced v1, still kept only because v3 is
    // young and named v2, and v2 named v1 — but v2 itself is old, so the walk stops at it: v1 goes.
    const v0 = version(R + 3, 'run-0');
    const v1 = version(R + 2, 'run-1');
    const v2 = version(R + 1, 'run-2');
    const v3 = version(1, 'run-3');
    const lost = version(0.5, 'run-4-2'); // a young attempt that lost its race (or is in flight)
    const orphan = version(R + 5, 'run-5-2'); // an old attempt that lost its race: on no chain
    const replaces = new Map([
      [v1, [v0]],
      [v2, [v1]],
      [v3, [v2]],
      [lost, [v2]],
    ]);
    const keys = [v0, v1, v2, v3, lost, orphan].flatMap(folder);
    const asked: string[] = [];

    // Act
    const deleted = latestVersionsToDelete(
      keys,
      v3,
      (v) => {
        asked.push(v);
        return replaces.get(v);
      },
      NOW,
    );

    // Assess
    expect(deleted).toEqual([...folder(v0), ...folder(v1), ...folder(orphan)].sort());
    // Only young chain members' _replaces are read: the caller may read just those
    expect(asked).toEqual([v3]);
  });

  it('walks on through young predecessors, across several named in one _replaces', () => {
    // Prepare: v3 (young) replaced v2a and v2b (both young); v2a replaced v1 (old), v1 replaced v0 (old)
    const [v0, v1, v2a, v2b, v3] = [version(R + 6, 'r0'), version(R + 5, 'r1'), version(R - 0.5, 'r2a'), version(R - 1, 'r2b'), version(0.1, 'r3')];
    const replaces = new Map([
      [v3, [v2a, v2b]],
      [v2a, [v1]],
      [v1, [v0]],
    ]);

    // Act
    const deleted = latestVersionsToDelete([v0, v1, v2a, v2b, v3].flatMap(folder), v3, (v) => replaces.get(v), NOW);

    // Assess: v1 kept (named by young v2a); v0 not (named by v1, which is old)
    expect(deleted).toEqual(folder(v0).sort());
  });

  it('keeps an old current version, and nothing through it; an unreadable _replaces keeps nothing more', () => {
    // Prepare
    const [v0, v1, v2] = [version(R + 6, 'r0'), version(R + 5, 'r1'), version(R + 4, 'r2')];

    // Act
    const oldCurrent = latestVersionsToDelete([v0, v1, v2].flatMap(folder), v2, () => [v1], NOW);
    const noReplaces = latestVersionsToDelete([v0, v1, version(0, 'r3')].flatMap(folder), version(0, 'r3'), () => undefined, NOW);

    // Assess
    expect(oldCurrent).toEqual([...folder(v0), ...folder(v1)].sort());
    expect(noReplaces).toEqual([...folder(v0), ...folder(v1)].sort());
  });

  it('never touches a key outside a version folder, nor a folder not named as a version id', () => {
    // Prepare
    const current = version(0, 'r1');
    const keys = [
      'load/latest/orders/versions/not-a-version/part-0.parquet',
      'load/latest/orders/versions/README',
      `${latestVersionPrefix('orders', version(9, 'r0'))}nested/part-0.parquet`,
      ...folder(current),
    ];

    // Act
    const deleted = latestVersionsToDelete(keys, current, () => [], NOW);

    // Assess
    expect(deleted).toEqual([]);
  });

  it('a version exactly the retention old is no longer young', () => {
    // Prepare
    const old = latestVersionId(new Date(NOW.getTime() - LATEST_VERSION_RETENTION_MS), 'r0');
    const current = version(0, 'r1');

    // Act
    const deleted = latestVersionsToDelete([...folder(old), ...folder(current)], current, () => [], NOW);

    // Assess
    expect(deleted).toEqual(folder(old).sort());
  });
});

describe('LATEST_VERSION_RETENTION_MS', () => {
  it('covers the replacing run’s publication and a run reading the old version (twice the Transform Task’s TimeoutSeconds in the ASL), plus 60 minutes for queries', () => {
    // Prepare
    const definition = parseDefinition(readAslText());
    const transform = allStates(definition).find(([name]) => name === STATE.Transform)?.[1] as { TimeoutSeconds?: number } | undefined;

    // Act
    const timeoutMs = (transform?.TimeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000;

    // Assess
    expect(timeoutMs).toBe(7200 * 1000);
    expect(LATEST_VERSION_RETENTION_MS).toBeGreaterThanOrEqual(2 * timeoutMs + 60 * 60 * 1000);
  });

  it('is mirrored by the Glue runner (glue/naming.py LATEST_VERSION_RETENTION_SECONDS)', () => {
    // Act
    const result = spawnSync(
      pythonInterpreter(),
      [
        '-c',
        `import sys; sys.path.insert(0, ${JSON.stringify(path.join(__dirname, '..', '..', 'glue'))}); import naming; print(naming.LATEST_VERSION_RETENTION_SECONDS)`,
      ],
      { encoding: 'utf-8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
    );

    // Assess
    expect(result.stderr).toBe('');
    expect(Number(result.stdout.trim()) * 1000).toBe(LATEST_VERSION_RETENTION_MS);
  });
});
