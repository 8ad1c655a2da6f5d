import { InvalidKeyError } from '../../core/errors';
import {
  isDataFileKey,
  notificationSuffixes,
  MAX_EXECUTION_NAME_LENGTH,
  PREFIX,
  archivedKey,
  assertSafeKey,
  datasetLoadPrefix,
  decodeS3EventKey,
  executionName,
  lastRunReportKey,
  latestStatePrefix,
  legacyLastRunReportKey,
  legacyLoadedSchemaKey,
  loadedSchemaKey,
  rejectedKey,
  skipReason,
  uploadId,
} from '../../core/naming';

const EXECUTION_NAME_CHARS = /^[0-9A-Za-z_-]+$/;

describe('decodeS3EventKey', () => {
  it.each([
    ['extract/my+file.csv', 'extract/my file.csv'],
    ['extract/a%2Bb.csv', 'extract/a+b.csv'],
    ['extract/my+file%2B1.csv', 'extract/my file+1.csv'],
    ['extract/100%25.csv', 'extract/100%.csv'],
    ['extract/caf%C3%A9.csv', 'extract/café.csv'],
    ['extract/%E6%97%A5%E6%9C%AC.csv', 'extract/日本.csv'],
    ['extract/plain/orders.csv', 'extract/plain/orders.csv'],
  ])('decodes %s to %s', (encoded, expected) => {
    // Prepare
    const key = encoded;

    // Act
    const decoded = decodeS3EventKey(key);

    // Assess
    expect(decoded).toBe(expected);
  });

  it.each(['extract/%E9.csv', 'extract/100%.csv', 'extract/%zz.csv'])('throws InvalidKeyError for %s', (encoded) => {
    // Prepare
    const key = encoded;

    // Act
    const act = (): string => decodeS3EventKey(key);

    // Assess
    expect(act).toThrow(InvalidKeyError);
    expect(act).toThrow(/not valid URL encoding/);
  });
});

describe('assertSafeKey', () => {
  it.each(['extract/orders.csv', 'extract/2026/11/orders.csv', 'extract/my file+é.csv', 'extract/folder/'])('returns the safe key %j unchanged', (key) => {
    // Prepare
    const input = key;

    // Act
    const result = assertSafeKey(input);

    // Assess
    expect(result).toBe(input);
  });

  it.each([
    ['a .. segment', 'extract/../secrets.csv'],
    ['a trailing .. segment', 'extract/..'],
    ['a . segment', 'extract/./orders.csv'],
    ['a leading slash', '/extract/orders.csv'],
    ['a backslash', 'extract\\orders.csv'],
    ['a newline', 'extract/orders\n.csv'],
    ['a NUL', 'extract/orders\u0000.csv'],
    ['a DEL', 'extract/orders\u007f.csv'],
    ['an empty segment', 'extract//orders.csv'],
    ['an empty key', ''],
    ['a key over 1024 characters', `extract/${'a'.repeat(1100)}.csv`],
  ])('rejects %s', (_label, key) => {
    // Prepare
    const input = key;

    // Act
    const act = (): string => assertSafeKey(input);

    // Assess
    expect(act).toThrow(InvalidKeyError);
  });

  it('names the key in the error', () => {
    // Prepare
    const key = 'extract/../x.csv';

    // Act
    const act = (): string => assertSafeKey(key);

    // Assess
    expect(act).toThrow('object key "extract/../x.csv" is not a safe relative key');
  });
});

describe('skipReason', () => {
  it.each([
    ['extract/archived/2026-11-25/orders.csv', 'already archived (extract/archived/)'],
    ['extract/rejected/2026-11-25/orders.csv', 'already rejected (extract/rejected/)'],
    ['load/orders/part-0.parquet', 'outside extract/'],
    ['orders.csv', 'outside extract/'],
    ['extract/2026/', 'folder marker'],
  ])('skips %s (%s)', (key, reason) => {
    // Prepare
    const input = key;

    // Act
    const result = skipReason(input);

    // Assess
    expect(result).toBe(reason);
  });

  it.each(['extract/orders.csv', 'extract/2026/11/daily-orders-01.csv', 'extract/archived-orders.csv'])('takes %s', (key) => {
    // Prepare
    const input = key;

    // Act
    const result = skipReason(input);

    // Assess
    expect(result).toBeUndefined();
  });
});

describe('archivedKey and rejectedKey', () => {
  const UPLOAD = '0123abcd45678901';

  it('puts the archived input under extract/archived/<date>/, keeping its path below extract/', () => {
    // Prepare
    const key = 'extract/a/b.csv';

    // Act
    const result = archivedKey(key, '2026-11-25', UPLOAD);

    // Assess
    expect(result).toBe('extract/archived/2026-11-25/a/b.0123abcd.csv');
  });

  it('puts the rejected input under extract/rejected/<date>/, keeping its path below extract/', () => {
    // Prepare
    const key = 'extract/a/b.csv';

    // Act
    const result = rejectedKey(key, '2026-11-25', UPLOAD);

    // Assess
    expect(result).toBe('extract/rejected/2026-11-25/a/b.0123abcd.csv');
  });

  it('keeps a top-level file name, the upload id before its extension', () => {
    // Prepare
    const key = 'extract/orders.CSV';

    // Act
    const archived = archivedKey(key, '2026-01-02', UPLOAD);
    const rejected = rejectedKey(key, '2026-01-02', UPLOAD);
    const noExtension = archivedKey('extract/dir.v2/orders', '2026-01-02', UPLOAD);

    // Assess
    expect(archived).toBe('extract/archived/2026-01-02/orders.0123abcd.CSV');
    expect(rejected).toBe('extract/rejected/2026-01-02/orders.0123abcd.CSV');
    expect(noExtension).toBe('extract/archived/2026-01-02/dir.v2/orders.0123abcd');
  });

  it('archives two uploads under one name apart, and one upload always under the same name', () => {
    // Prepare
    const key = 'extract/orders-daily.csv';

    // Act
    const monday = archivedKey(key, '2026-11-23', uploadId(key, '"etag-of-monday"'));
    const tuesday = archivedKey(key, '2026-11-23', uploadId(key, '"etag-of-tuesday"'));
    const again = archivedKey(key, '2026-11-23', uploadId(key, '"etag-of-monday"'));

    // Assess
    expect(monday).not.toBe(tuesday);
    expect(again).toBe(monday);
  });

  it('never produces a key that the trigger would process again', () => {
    // Prepare
    const key = 'extract/2026/orders.csv';

    // Act
    const reasons = [skipReason(archivedKey(key, '2026-11-25', UPLOAD)), skipReason(rejectedKey(key, '2026-11-25', UPLOAD))];

    // Assess
    expect(reasons).toEqual(['already archived (extract/archived/)', 'already rejected (extract/rejected/)']);
  });
});

describe('executionName', () => {
  const ref = { bucket: 'etl-bucket', key: 'extract/2026/orders-2026-11-25.csv', version: 'v1' };

  it('is deterministic for the same object version', () => {
    // Prepare
    const again = { ...ref };

    // Act
    const first = executionName('orders', ref);
    const second = executionName('orders', again);

    // Assess
    expect(second).toBe(first);
  });

  it('has the shape <dataset>-<file name>-<24 hex>', () => {
    // Prepare
    const input = ref;

    // Act
    const name = executionName('orders', input);

    // Assess
    expect(name).toMatch(/^orders-orders-2026-11-25-[0-9a-f]{24}$/);
  });

  it('differs for a different version of the same key', () => {
    // Prepare
    const other = { ...ref, version: 'v2' };

    // Act
    const first = executionName('orders', ref);
    const second = executionName('orders', other);

    // Assess
    expect(second).not.toBe(first);
  });

  it('differs for a different bucket or key', () => {
    // Prepare
    const otherBucket = { ...ref, bucket: 'other-bucket' };
    const otherKey = { ...ref, key: 'extract/2027/orders-2026-11-25.csv' };

    // Act
    const names = new Set([executionName('orders', ref), executionName('orders', otherBucket), executionName('orders', otherKey)]);

    // Assess
    expect(names.size).toBe(3);
  });

  it('stays within 80 characters for a 300-character file name', () => {
    // Prepare
    const longRef = { ...ref, key: `extract/${'x'.repeat(300)}.csv` };

    // Act
    const name = executionName('orders', longRef);

    // Assess
    expect(MAX_EXECUTION_NAME_LENGTH).toBe(80);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(EXECUTION_NAME_CHARS);
    expect(name).toMatch(/^orders-x+-[0-9a-f]{24}$/);
  });

  it('keeps two long names that differ only beyond the cut distinct', () => {
    // Prepare
    const a = { ...ref, key: `extract/${'x'.repeat(300)}-a.csv` };
    const b = { ...ref, key: `extract/${'x'.repeat(300)}-b.csv` };

    // Act
    const nameA = executionName('orders', a);
    const nameB = executionName('orders', b);

    // Assess
    expect(nameA).not.toBe(nameB);
    expect(nameA.length).toBeLessThanOrEqual(80);
    expect(nameB.length).toBeLessThanOrEqual(80);
  });

  it.each([
    'extract/my file+é.csv',
    'extract/Bestellungen für März.csv',
    'extract/日本語のファイル.csv',
    'extract/--...--.csv',
    'extract/emoji 🚀 orders (final) [v2].csv',
    `extract/${'é ü'.repeat(120)}.csv`,
  ])('uses only [0-9A-Za-z_-] and at most 80 characters for %j', (key) => {
    // Prepare
    const input = { ...ref, key };

    // Act
    const name = executionName('orders', input);

    // Assess
    expect(name).toMatch(EXECUTION_NAME_CHARS);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).not.toMatch(/--/);
    expect(name.startsWith('orders-')).toBe(true);
  });

  it('transliterates accented letters through NFKD', () => {
    // Prepare
    const input = { ...ref, key: 'extract/café.csv' };

    // Act
    const name = executionName('orders', input);

    // Assess
    expect(name).toMatch(/^orders-cafe-[0-9a-f]{24}$/);
  });
});

describe('the records the pipeline reads back', () => {
  it('are in load/_meta/<dataset>/: outside the table, the state and logs/, and safe keys', () => {
    for (const key of [loadedSchemaKey('orders'), lastRunReportKey('orders')]) {
      expect(key.startsWith(`${PREFIX.meta}orders/`)).toBe(true);
      expect(key.startsWith(datasetLoadPrefix('orders'))).toBe(false);
      expect(key.startsWith(latestStatePrefix('orders'))).toBe(false);
      expect(key.startsWith(PREFIX.glueReports)).toBe(false);
      expect(assertSafeKey(key)).toBe(key);
    }
    expect([loadedSchemaKey('orders'), lastRunReportKey('orders')]).toEqual(['load/_meta/orders/schema.json', 'load/_meta/orders/last-success.json']);
  });

  it('keep their legacy keys under logs/glue-jobs/ for the fallback read after an upgrade', () => {
    expect([legacyLoadedSchemaKey('orders'), legacyLastRunReportKey('orders')]).toEqual([
      'logs/glue-jobs/orders/_schema.json',
      'logs/glue-jobs/orders/_last-success.json',
    ]);
  });
});

describe('data file suffixes (issue 20)', () => {
  it('takes .csv, .csv.gz, .tsv, .tsv.gz and .txt in any case, nothing else', () => {
    const taken = ['a.csv', 'a.CSV', 'a.csv.gz', 'a.CSV.GZ', 'a.tsv', 'a.tsv.gz', 'a.txt', 'a.Csv'].filter(isDataFileKey);
    expect(taken).toHaveLength(8);
    expect(['a.gz', 'a.json', 'a.csv.zip', 'a.csvx', 'a'].filter(isDataFileKey)).toEqual([]);
  });

  it('gives one notification suffix per spelling, none a suffix of another (S3 refuses overlapping filters)', () => {
    const suffixes = notificationSuffixes();
    expect(suffixes).toEqual(['.csv', '.CSV', '.csv.gz', '.CSV.GZ', '.tsv', '.TSV', '.tsv.gz', '.TSV.GZ', '.txt', '.TXT']);
    const overlapping = suffixes.flatMap((a) => suffixes.filter((b) => a !== b && a.endsWith(b)).map((b) => `${a} ends with ${b}`));
    expect(overlapping).toEqual([]);
  });

  it('names an execution without the data file suffix', () => {
    const name = (key: string) => executionName('orders', { bucket: 'b', key, version: 'v' });
    expect(name('extract/orders.csv.gz')).toMatch(/^orders-orders-[0-9a-f]{24}$/);
    expect(name('extract/orders.tsv')).toMatch(/^orders-orders-[0-9a-f]{24}$/);
  });
});
