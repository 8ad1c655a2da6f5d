/**
 * The fast path's init and the source maps' share of it (bench/report-startup.ts), as pure
 * functions over bench/startup.ts's figures. No timing is measured here.
 */
import { renderStartup, startupGoals } from '../../bench/report-startup';
import type { BenchResults } from '../../bench/run';
import type { StartupVariant } from '../../bench/startup';

const variant = (name: string, nodeOptions: string, loads: number[], firstErrors: number[]): StartupVariant => ({
  name,
  function: 'transformInLambda',
  nodeOptions,
  bytes: 2 * 2 ** 20,
  mapBytes: 2 * 2 ** 20,
  loads,
  firstErrors,
  walls: loads.map((l) => l + 100),
});

describe('startupGoals', () => {
  it('the init without source maps is measured; their share in the deployed init is none, the cost of turning them on given', () => {
    // Prepare
    const startup = [
      variant('fast path, CommonJS, --enable-source-maps', '--enable-source-maps', [200, 210, 220], [300, 310, 320]),
      variant('fast path, CommonJS, no source maps at run time', '', [200, 205, 210], [5, 6, 7]),
      { ...variant('trigger, CommonJS (main fields: main)', '', [90], [3]), function: 'trigger' as const },
    ];

    // Act
    const goals = startupGoals({ startup } as unknown as BenchResults);

    // Assess
    expect(goals.map((g) => [g.measured, g.met])).toEqual([
      ['211 ms (load 205 ms)', undefined],
      ['none: deployed without `--enable-source-maps` (520 ms with, 211 ms without: 309 ms; map 2048 KiB)', true],
    ]);
    expect(renderStartup({ startup } as unknown as BenchResults)).toContain(
      '| fast path, CommonJS, no source maps at run time | 2048 KiB | 2048 KiB | 205 ms (210) | 6.00 ms (7.00) | 305 ms (310) |',
    );
  });

  it('nothing to say for results saved before the start-up was measured', () => {
    expect(startupGoals({} as BenchResults)).toEqual([]);
    expect(renderStartup({} as BenchResults)).toContain('**Not measured in this run**');
  });
});
