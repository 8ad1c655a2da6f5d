import picomatch from 'picomatch';

import { ROUTING_GLOB_OPTIONS } from '../../core/config/dataset-routing';
import { findMatchOverlaps, ROUTABLE_KEY } from '../../core/config/match-overlap';

const matches = (key: string, glob: string): boolean => picomatch.isMatch(key, glob, ROUTING_GLOB_OPTIONS);

describe('findMatchOverlaps: overlapping globs, each with an example key both match', () => {
  it.each([
    ['identical globs', 'extract/**/*orders*.csv', 'extract/**/*orders*.csv', 'extract/orders.csv'],
    ['a glob and one it covers', 'extract/**/*orders*.csv', 'extract/**/*.csv', 'extract/orders.csv'],
    ['names holding both words', 'extract/**/*orders*.csv', 'extract/**/*readings*.csv', 'extract/ordersreadings.csv'],
    ['* within ** ', 'extract/*.csv', 'extract/**', 'extract/.csv'],
    ['* and ** before one name', 'extract/*/x.csv', 'extract/**/x.csv', 'extract/a/x.csv'],
    ['** spanning no folder', 'extract/**/x.csv', 'extract/x.csv', 'extract/x.csv'],
    ['a literal folder and a star folder', 'extract/a/*.csv', 'extract/*/b.csv', 'extract/a/b.csv'],
    ['a folder and its subtree', 'extract/orders/**', 'extract/orders/2026/*.csv', 'extract/orders/2026/.csv'],
    ['braces sharing an alternative', 'extract/{orders,returns}.csv', 'extract/{invoices,returns}.csv', 'extract/returns.csv'],
    ['a range of braces and a class', 'extract/day-{1..3}.csv', 'extract/day-[3-9].csv', 'extract/day-3.csv'],
    ['classes sharing a character', 'extract/[a-c].csv', 'extract/[c-f].csv', 'extract/c.csv'],
    ['a negated class and a literal', 'extract/[^x]*.csv', 'extract/orders.csv', 'extract/orders.csv'],
    ['? and a literal', 'extract/orders-?.csv', 'extract/orders-7.csv', 'extract/orders-7.csv'],
    ['case: matching ignores it', 'extract/Orders.CSV', 'extract/orders.csv', 'extract/orders.csv'],
    ['an extglob and a literal', 'extract/+(a|b).csv', 'extract/abba.csv', 'extract/abba.csv'],
    ["a glob's own text, which picomatch takes as a match", 'extract/{a,b}.csv', 'extract/*,*', 'extract/{a,b}.csv'],
  ])('%s: %s vs %s', (_, first, second, example) => {
    // Prepare
    const globs = [first, second];

    // Act
    const problems = findMatchOverlaps(globs);

    // Assess
    expect(problems).toEqual([{ kind: 'overlap', index: 1, other: 0, example }]);
    expect(matches(example, first) && matches(example, second)).toBe(true);
    expect(ROUTABLE_KEY.test(example)).toBe(true);
  });
});

describe('findMatchOverlaps: disjoint globs pass', () => {
  it.each([
    ['folders per dataset', 'extract/orders/**', 'extract/customers/**'],
    ['a folder and its name as a file', 'extract/orders/**', 'extract/orders.csv'],
    ['other extensions', 'extract/**/*.csv', 'extract/**/*.tsv'],
    ['disjoint literals', 'extract/orders.csv', 'extract/returns.csv'],
    ['literal prefixes that differ only deeper', 'extract/**/orders/*.csv', 'extract/**/returns/*.csv'],
    ['one ? against two', 'extract/?.csv', 'extract/??.csv'],
    ['* in one folder, a deeper name', 'extract/*.csv', 'extract/*/*.csv'],
    ['disjoint classes', 'extract/[a-c].csv', 'extract/[d-f].csv'],
    ['disjoint braces', 'extract/{orders,returns}.csv', 'extract/{invoices,refunds}.csv'],
    ['a name that must hold a word and one that cannot', 'extract/**/*orders*.csv', 'extract/**/+([0-9]).csv'],
    ['case-insensitive but other letters', 'extract/A/*.csv', 'extract/b/*.csv'],
    ['keys the pipeline never routes: a `..` segment', 'extract/../*.csv', 'extract/**/*.csv'],
    ["picomatch's reading of [!x] (the characters ! and x), not a negation", 'extract/[!x]*.csv', 'extract/orders.csv'],
  ])('%s: %s vs %s', (_, first, second) => {
    // Prepare
    const globs = [first, second];

    // Act
    const problems = findMatchOverlaps(globs);

    // Assess
    expect(problems).toEqual([]);
  });

  it('checks every pair and reports each overlap at the later glob', () => {
    // Prepare
    const globs = ['extract/orders/**', 'extract/customers/**', 'extract/**/*.csv', 'extract/returns/*.tsv'];

    // Act
    const problems = findMatchOverlaps(globs);

    // Assess
    expect(problems.map((p) => (p.kind === 'overlap' ? [p.index, p.other] : p))).toEqual([
      [2, 0],
      [2, 1],
    ]);
  });
});

describe('findMatchOverlaps: what it cannot decide', () => {
  it('refuses a negated extglob, naming the construct', () => {
    // Prepare
    const globs = ['extract/**/*.csv', 'extract/!(orders)*.csv'];

    // Act
    const problems = findMatchOverlaps(globs);

    // Assess
    expect(problems).toEqual([{ kind: 'unsupported', index: 1, construct: '(?!(?:orders))' }]);
  });

  it('leaves a negated extglob alone when the literal prefixes already tell the globs apart', () => {
    // Prepare
    const globs = ['extract/orders/**', 'extract/returns/!(x)*.csv'];

    // Act
    const problems = findMatchOverlaps(globs);

    // Assess
    expect(problems).toEqual([]);
  });

  it('reports an overlap picomatch does not confirm without an example (the dot guard inside braces)', () => {
    // Prepare: picomatch refuses "extract/a." for {a.*,b}: its guard after a "." the check drops
    const globs = ['extract/{a.*,b}', 'extract/a.'];

    // Act
    const problems = findMatchOverlaps(globs);

    // Assess
    expect(problems).toEqual([{ kind: 'overlap', index: 1, other: 0, example: undefined }]);
  });
});

describe('findMatchOverlaps agrees with picomatch on generated keys', () => {
  const GLOBS = [
    'extract/**',
    'extract/*',
    'extract/*.csv',
    'extract/**/*.csv',
    'extract/**/*a*.csv',
    'extract/**/*b*.csv',
    'extract/a/**',
    'extract/a/*.csv',
    'extract/*/b.csv',
    'extract/?.csv',
    'extract/??.csv',
    'extract/[ab].csv',
    'extract/[!a]*.csv',
    'extract/{a,b}/*.csv',
    'extract/{a,ab}.csv',
    'extract/.*',
    'extract/**/.b',
    'extract/A.CSV',
    'extract/+(a|b).csv',
    'extract/@(a|ab)*',
  ];

  /** Every key over a small alphabet up to a length, below extract/. */
  function keys(maxLength: number): string[] {
    const alphabet = ['a', 'b', 'A', '.', '/', 'c', 's', 'v'];
    const out: string[] = [];
    let layer = [''];
    for (let length = 1; length <= maxLength; length++) {
      layer = layer.flatMap((prefix) => alphabet.map((c) => prefix + c));
      for (const key of layer) out.push(key);
    }
    return out.map((suffix) => `extract/${suffix}`).filter((key) => ROUTABLE_KEY.test(key));
  }

  it('finds every overlap a generated key shows, and only confirmed examples', () => {
    // Prepare
    const candidates = [...keys(5), 'extract/a.csv', 'extract/b.csv', 'extract/ab.csv', 'extract/a/b.csv', 'extract/c/a.csv', 'extract/ba.csv', 'extract/x/.b'];
    const matchedBy = new Map(
      GLOBS.map((glob) => {
        const isMatch = picomatch(glob, ROUTING_GLOB_OPTIONS);
        return [glob, new Set(candidates.filter((key) => isMatch(key)))];
      }),
    );

    // Act
    const verdicts = GLOBS.flatMap((second, index) => GLOBS.slice(0, index).map((first) => ({ first, second, problems: findMatchOverlaps([first, second]) })));

    // Assess
    for (const { first, second, problems } of verdicts) {
      const shared = [...matchedBy.get(first)!].find((key) => matchedBy.get(second)!.has(key));
      const overlap = problems.find((p) => p.kind === 'overlap');
      if (shared !== undefined) expect({ first, second, overlaps: overlap !== undefined, shared }).toEqual({ first, second, overlaps: true, shared });
      if (overlap?.kind === 'overlap') {
        expect(overlap.example).toBeDefined();
        expect({ first, second, both: matches(overlap.example!, first) && matches(overlap.example!, second) }).toEqual({ first, second, both: true });
      }
    }
    expect(verdicts.filter((v) => v.problems.length === 0).length).toBeGreaterThan(20);
  });
});
