import type { QualityConfig } from '../../core/config/dataset-config';
import { evaluateQuality, qualityRatios } from '../../core/quality';
import type { RowCounts } from '../../core/run-report';

const QUALITY: QualityConfig = {
  malformedRowRatio: { warn: 0.01, fail: 0.1 },
  duplicateRatio: { warn: 0.1, fail: 0.5 },
  volumeChangeRatio: { warn: 0.5 },
  emptyAfterDedupe: 'fail',
};

/** 100 clean rows in, 100 out, unless overridden. */
function counts(overrides: Partial<RowCounts> = {}): RowCounts {
  return { rowsIn: 100, malformedRows: 0, exactDuplicates: 0, keyDuplicates: 0, rowsOut: 100, ...overrides };
}

describe('evaluateQuality', () => {
  it('finds nothing for a clean run with no previous run', () => {
    // Prepare
    const clean = counts();

    // Act
    const findings = evaluateQuality(clean, undefined, QUALITY);

    // Assess
    expect(findings).toEqual([]);
  });

  it('warns when the malformed ratio is above warn but not above fail', () => {
    // Prepare
    const run = counts({ malformedRows: 5, rowsOut: 95 });

    // Act
    const findings = evaluateQuality(run, undefined, QUALITY);

    // Assess
    expect(findings).toEqual([{ check: 'malformedRowRatio', level: 'warn', message: 'malformedRowRatio 5.0% > warn 1.0% (5 of 100 rows malformed)' }]);
  });

  it('fails (and does not also warn) when the malformed ratio is above fail', () => {
    // Prepare
    const run = counts({ malformedRows: 11, rowsOut: 89 });

    // Act
    const findings = evaluateQuality(run, undefined, QUALITY);

    // Assess
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'malformedRowRatio', level: 'fail' });
    expect(findings[0].message).toContain('> fail 10.0%');
  });

  it('does not fire at exactly the threshold: only strictly greater values cross it', () => {
    // Prepare
    const atFail = counts({ malformedRows: 10, rowsOut: 90 });
    const atWarn = counts({ malformedRows: 1, rowsOut: 99 });

    // Act
    const atFailFindings = evaluateQuality(atFail, undefined, QUALITY);
    const atWarnFindings = evaluateQuality(atWarn, undefined, QUALITY);

    // Assess
    expect(atFailFindings.map((f) => [f.check, f.level])).toEqual([['malformedRowRatio', 'warn']]);
    expect(atWarnFindings).toEqual([]);
  });

  it('measures duplicates against the well-formed rows', () => {
    // Prepare: 20 malformed, 80 well formed, 10 + 10 duplicates = 25% of well-formed rows
    const run = counts({ malformedRows: 20, exactDuplicates: 10, keyDuplicates: 10, rowsOut: 60 });
    const quality: QualityConfig = { ...QUALITY, malformedRowRatio: { warn: 0.5, fail: 0.9 } };

    // Act
    const findings = evaluateQuality(run, undefined, quality);

    // Assess
    expect(findings).toEqual([
      {
        check: 'duplicateRatio',
        level: 'warn',
        message: 'duplicateRatio 25.0% > warn 10.0% (20 duplicate rows removed of 80)',
      },
    ]);
  });

  it('says "row" of one row', () => {
    // Prepare: 1 duplicate of 5 well-formed rows; 1 row out against 10
    const run = counts({ rowsIn: 5, malformedRows: 0, exactDuplicates: 1, keyDuplicates: 0, rowsOut: 1 });

    // Act
    const messages = evaluateQuality(run, 10, QUALITY).map((f) => f.message);

    // Assess
    expect(messages).toEqual([
      'duplicateRatio 20.0% > warn 10.0% (1 duplicate row removed of 5)',
      'volumeChangeRatio 90.0% > warn 50.0% (1 row out against 10 in the previous run)',
    ]);
  });

  it('compares the volume with the previous run', () => {
    // Prepare
    const run = counts({ rowsOut: 40 });

    // Act
    const findings = evaluateQuality(run, 100, QUALITY);

    // Assess
    expect(findings).toEqual([
      {
        check: 'volumeChangeRatio',
        level: 'warn',
        message: 'volumeChangeRatio 60.0% > warn 50.0% (40 rows out against 100 in the previous run)',
      },
    ]);
  });

  it('treats growth like shrinkage and ignores a change within the threshold', () => {
    // Prepare
    const grown = counts({ rowsIn: 300, rowsOut: 300 });
    const steady = counts({ rowsOut: 100 });

    // Act
    const grownFindings = evaluateQuality(grown, 100, QUALITY);
    const steadyFindings = evaluateQuality(steady, 150, QUALITY);

    // Assess
    expect(grownFindings.map((f) => f.check)).toEqual(['volumeChangeRatio']);
    expect(grownFindings[0].message).toContain('200.0%');
    expect(steadyFindings).toEqual([]);
  });

  it('skips the volume check without a previous run or when it wrote no rows', () => {
    // Prepare
    const run = counts({ rowsOut: 1 });

    // Act
    const noPrevious = evaluateQuality(run, undefined, QUALITY);
    const previousEmpty = evaluateQuality(run, 0, QUALITY);

    // Assess
    expect(noPrevious).toEqual([]);
    expect(previousEmpty).toEqual([]);
  });

  it('fails a run that keeps no row after dedupe when emptyAfterDedupe is fail', () => {
    // Prepare
    const run = counts({ rowsIn: 3, exactDuplicates: 0, keyDuplicates: 0, malformedRows: 0, rowsOut: 0 });
    const quality: QualityConfig = { ...QUALITY, emptyAfterDedupe: 'fail' };

    // Act
    const findings = evaluateQuality(run, undefined, quality);

    // Assess
    expect(findings).toEqual([
      {
        check: 'emptyAfterDedupe',
        level: 'fail',
        message: 'no row left after removing malformed rows and duplicates (3 read)',
      },
    ]);
  });

  it('only warns about an empty result when emptyAfterDedupe is warn', () => {
    // Prepare
    const run = counts({ rowsIn: 0, rowsOut: 0 });
    const quality: QualityConfig = { ...QUALITY, emptyAfterDedupe: 'warn' };

    // Act
    const findings = evaluateQuality(run, undefined, quality);

    // Assess
    expect(findings.map((f) => [f.check, f.level])).toEqual([['emptyAfterDedupe', 'warn']]);
  });

  it('sorts fail findings before warn findings', () => {
    // Prepare: malformed 5% (warn), duplicates 60% of well-formed (fail), volume -66% (warn), empty? no
    const run = counts({ malformedRows: 5, exactDuplicates: 57, rowsOut: 38 });

    // Act
    const findings = evaluateQuality(run, 112, QUALITY);

    // Assess
    expect(findings.map((f) => [f.check, f.level])).toEqual([
      ['duplicateRatio', 'fail'],
      ['malformedRowRatio', 'warn'],
      ['volumeChangeRatio', 'warn'],
    ]);
  });

  it('puts a failing empty result before the warnings', () => {
    // Prepare: all 10 rows malformed (fail) and nothing written; the previous run wrote 10 (volume warn)
    const run = counts({ rowsIn: 10, malformedRows: 10, rowsOut: 0 });
    const quality: QualityConfig = { ...QUALITY, malformedRowRatio: { warn: 0.5 } };

    // Act
    const findings = evaluateQuality(run, 10, quality);

    // Assess
    expect(findings.map((f) => [f.check, f.level])).toEqual([
      ['emptyAfterDedupe', 'fail'],
      ['malformedRowRatio', 'warn'],
      ['volumeChangeRatio', 'warn'],
    ]);
  });

  it('shows small ratios with three decimals', () => {
    // Prepare
    const run = counts({ rowsIn: 100000, malformedRows: 5, rowsOut: 99995 });
    const quality: QualityConfig = { ...QUALITY, malformedRowRatio: { warn: 0.00001, fail: 0.1 } };

    // Act
    const findings = evaluateQuality(run, undefined, quality);

    // Assess
    expect(findings[0].message).toBe('malformedRowRatio 0.005% > warn 0.001% (5 of 100000 rows malformed)');
  });
});

describe('qualityRatios', () => {
  it('returns 0 for empty denominators and undefined volume change without a previous run', () => {
    // Prepare
    const empty = counts({ rowsIn: 0, rowsOut: 0 });

    // Act
    const ratios = qualityRatios(empty, undefined);

    // Assess
    expect(ratios).toEqual({ malformedRowRatio: 0, duplicateRatio: 0, volumeChangeRatio: undefined });
  });
});
