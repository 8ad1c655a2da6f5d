/**
 * No row values in any Lambda's logs: a corpus of bad files runs through the local pipeline (the
 * fixed files of the bad-input corpus, and files whose every row carries a canary — a customer's
 * name and e-mail address, ids, the bad values themselves), and every log line the handlers wrote
 * (`<root>/bucket/logs/lambda/*.log`, where CloudWatch Logs would hold them on AWS) is scanned for
 * the distinctive values of those files. The notifications and the rejects files may name a value
 * (they are the user's, in their inbox and bucket); the logs hold counts, keys, line numbers and
 * error names.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { CORPUS_FILES, ORDERS_HEADER } from '../corpus/cases';
import { notifications, tempRoot } from '../helpers/local-root';

/** What in a file is a value worth looking for: people, ids, free text, the bad values. */
const DISTINCTIVE = [
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g,
  /ORD-[\w-]+/g,
  /CUST-[\w-]+/g,
  /SKU-[\w-]+/g,
  /Zelda Quillfeather[\w -]*/g,
  /LEAK[A-Z]+-\d+/g,
  /Leave at the front door|Gift wrap|this note never ends/g,
];

/** A row of the canary files: every field that is not a type's plain value names its case and row. */
function canaryRow(which: string, n: number, override: Partial<Record<(typeof ORDERS_HEADER)[number], string>> = {}): string {
  const row: Record<(typeof ORDERS_HEADER)[number], string> = {
    order_id: `ORD-CANARY-${which}-${n}`,
    customer_id: `CUST-CANARY-${which}-${n}`,
    customer_email: `zelda.quillfeather+${which}${n}@leak-canary.example`,
    product_sku: `SKU-CANARY-${n}`,
    quantity: String(1 + (n % 5)),
    unit_price: '12.50',
    currency: 'EUR',
    order_ts: '2026-11-24T10:15:00Z',
    order_date: '2026-11-24',
    status: 'PAID',
    notes: `Zelda Quillfeather ${which} ${n}`,
    ...override,
  };
  return ORDERS_HEADER.map((column) => row[column]).join(',');
}

/** Files of 40 canary rows, each bad in one way (`bad(n)` rewrites row n, or `null` leaves it). */
const CANARY_FILES: Readonly<Record<string, { readonly header?: false; readonly bad: (n: number) => string | null }>> = {
  // One value of the wrong type: loaded with a warning, the row in the rejects file.
  'wrong-type-one-row': { bad: (n) => (n === 7 ? canaryRow('wrongtype', n, { quantity: 'LEAKQTY-7' }) : null) },
  // Every row: Validate refuses the file, naming the first rows and their values.
  'wrong-type-every-row': { bad: (n) => canaryRow('wrongall', n, { quantity: `LEAKQTY-${n}` }) },
  // An unterminated quote: the parser's message quotes the record text that follows.
  'unterminated-quote': { bad: (n) => (n === 3 ? canaryRow('quote', n, { notes: '"Zelda Quillfeather never closes this quote' }) : null) },
  'one-row-too-many-fields': { bad: (n) => (n === 5 ? `${canaryRow('extra', n)},LEAKEXTRA-5` : null) },
  // An empty required value: loaded with a warning.
  'empty-required-value': { bad: (n) => (n === 9 ? canaryRow('empty', n, { customer_email: '' }) : null) },
  // No header: the first row is taken for one, and the mismatch names its cells.
  headerless: { header: false, bad: () => null },
};

let root: string;
let generated: string;
let pipeline: LocalPipeline;
/** Each file's distinctive values, by the key it was uploaded under. */
const valuesByKey = new Map<string, Set<string>>();
/** Each captured log line, with its file. */
let lines: { readonly file: string; readonly line: string }[] = [];

beforeAll(async () => {
  root = tempRoot();
  generated = mkdtempSync(path.join(os.tmpdir(), 'etl-log-values-'));
  pipeline = new LocalPipeline({ root, engine: 'duckdb' });

  const uploads: { readonly file: string; readonly key: string }[] = [];
  for (const name of readdirSync(CORPUS_FILES).filter((f) => f.endsWith('.csv'))) {
    uploads.push({ file: path.join(CORPUS_FILES, name), key: `extract/log-scan/orders-${name}` });
  }
  for (const [name, { header, bad }] of Object.entries(CANARY_FILES)) {
    const rows = Array.from({ length: 40 }, (_, i) => bad(i + 1) ?? canaryRow(name.replace(/-/g, ''), i + 1));
    const file = path.join(generated, `${name}.csv`);
    writeFileSync(file, `${[...(header === false ? [] : [ORDERS_HEADER.join(',')]), ...rows].join('\n')}\n`);
    uploads.push({ file, key: `extract/log-scan/orders-canary-${name}.csv` });
  }

  for (const { file, key } of uploads) {
    const text = readFileSync(file, 'utf-8');
    valuesByKey.set(key, new Set(DISTINCTIVE.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[0].trim()))));
    pipeline.put(file, key);
    const triggered = await pipeline.deliver(await pipeline.objectCreatedEvent(key));
    for (const { executionName } of triggered.started) await pipeline.waitFor(executionName);
  }
  await pipeline.idle();
  await pipeline.close();

  const logs = path.join(root, 'bucket', 'logs', 'lambda');
  lines = readdirSync(logs).flatMap((file) =>
    readFileSync(path.join(logs, file), 'utf-8')
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ file, line })),
  );
}, 240_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(generated, { recursive: true, force: true });
});

it('ran bad files to every outcome, each notified, and captured the handlers’ log lines', () => {
  // Prepare
  const outcomes = new Set(notifications(root).map((n) => n.topic));

  // Assess: rejected, loaded with warnings and loaded files, so every handler on those routes logged
  expect(notifications(root)).toHaveLength(valuesByKey.size);
  expect([...outcomes].sort()).toEqual(['etl-job-failure', 'etl-job-success', 'etl-job-warning']);
  expect(new Set(lines.map((l) => l.file))).toEqual(
    new Set(['etl-trigger.log', 'etl-validate.log', 'etl-reject.log', 'etl-transform-in-lambda.log', 'etl-summarize.log', 'etl-archive.log']),
  );
  // All but the files without a data row (header only, blank lines) have values to look for.
  expect([...valuesByKey.values()].filter((values) => values.size > 0).length).toBeGreaterThanOrEqual(valuesByKey.size - 2);
});

it('logs no value of any file: no e-mail address, name, id or rejected record text', () => {
  // Act
  const leaks = [...valuesByKey.entries()].flatMap(([key, values]) =>
    [...values].flatMap((value) => lines.filter(({ line }) => line.includes(value)).map(({ file, line }) => ({ key, value, file, line: line.slice(0, 300) }))),
  );

  // Assess
  expect(leaks).toEqual([]);
});

it('still says what went wrong: the error name and the rows, by number', () => {
  // Prepare
  const rejected = lines
    .filter(({ file }) => file === 'etl-validate.log')
    .map(({ line }) => JSON.parse(line) as { message?: string; inputKey?: string; error?: unknown; issueRows?: number[]; malformedRows?: number })
    .filter((record) => record.message === 'file rejected');

  // Act
  const everyRow = rejected.find((r) => r.inputKey === 'extract/log-scan/orders-canary-wrong-type-every-row.csv');
  const quote = rejected.find((r) => r.inputKey === 'extract/log-scan/orders-canary-unterminated-quote.csv');

  // Assess
  expect(everyRow).toMatchObject({ error: 'MalformedRowsError', malformedRows: 40, issueRows: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
  expect(quote).toMatchObject({ error: 'MalformedCsvError' });
});
