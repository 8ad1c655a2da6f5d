/**
 * The README's sizing of the Glue job (how large an input the default configuration finishes, and
 * what raising the workers or the timeout gives) against the projection of infra/glue-sizing.ts
 * from the measured throughput, so that the two cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { MEASURED_THROUGHPUT, projectWorkers } from '../../infra/glue-sizing';
import { CONTEXT_DEFAULTS } from '../../infra/settings';

const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf-8');
const gb = (bytes: number): string => (bytes / 1e9).toFixed(0);

describe('the Glue job’s sizing in the README', () => {
  it('rests on a measurement: one core’s throughput and a serial fraction, with where and when they were measured', () => {
    expect(MEASURED_THROUGHPUT.bytesPerCoreSecond).toBeGreaterThan(0);
    expect(MEASURED_THROUGHPUT.serialFraction).toBeGreaterThanOrEqual(0);
    expect(MEASURED_THROUGHPUT.serialFraction).toBeLessThan(1);
    expect(README).toContain(MEASURED_THROUGHPUT.measured);
  });

  it('states the largest input of the default configuration as projected', () => {
    // Prepare
    const workers = CONTEXT_DEFAULTS['etl:glueWorkers'];
    const minutes = CONTEXT_DEFAULTS['etl:glueTimeoutMinutes'];

    // Act
    const projected = projectWorkers(MEASURED_THROUGHPUT, workers, minutes);

    // Assess
    expect(README).toContain(
      `With the defaults (${workers} G.1X workers, a ${minutes}-minute job timeout) the job finishes an input of up to about **${gb(projected.maxInputBytes)} GB**`,
    );
  });

  it('tabulates what more workers and the longest timeout give, each row as projected', () => {
    for (const workers of [2, 3, 5, 10]) {
      for (const minutes of [60, 115]) {
        const p = projectWorkers(MEASURED_THROUGHPUT, workers, minutes);
        expect(README).toContain(`| ${workers} | ${p.taskSlots} | ${minutes} min | ${(p.bytesPerSecond / 1e6).toFixed(0)} MB/s | ${gb(p.maxInputBytes)} GB |`);
      }
    }
  });
});
