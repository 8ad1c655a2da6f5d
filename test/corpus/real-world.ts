/**
 * Real-world files, shaped like the exports a new user brings (issue 20): an Excel-EU export, the
 * same gzipped (as `.csv.gz` and as gzip bytes named `.csv`), Windows-1252 text, a TSV with title
 * lines, US dates with a zone, missing-value tokens, yes/no booleans, padded and special numbers,
 * a file with a column the dataset does not declare. Deterministic: {@link writeRealWorldFile}
 * writes each into a test's temp folder. Each holds what `etl infer` must find and the rows
 * `etl query --json` must return once the file is loaded (decimals as exact strings, dates
 * `YYYY-MM-DD`, instants ISO 8601 UTC), whatever the engine.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** A value as `etl query --json` prints it. */
export type JsonValue = string | number | boolean | null;

/** One real-world file. */
export interface RealWorldFile {
  /** Unique; the test's title. */
  readonly title: string;
  /** The file name (its stem names the inferred dataset). */
  readonly name: string;
  readonly bytes: Buffer;
  /** What `etl infer` must find: the dataset's dialect fields and dataset-level formats (a subset), and each column's declaration (a subset). */
  readonly inferred: {
    readonly dataset?: Record<string, unknown>;
    readonly columns: Record<string, Record<string, unknown>>;
  };
  /**
   * Infer from this file instead (then {@link editDataset}), and load `bytes`: a file holding a
   * column the inferred dataset does not declare.
   */
  readonly inferFrom?: { readonly name: string; readonly bytes: Buffer };
  /** An edit of the inferred dataset document before it is run (e.g. `extraColumns: "ignore"`). */
  readonly editDataset?: (dataset: Record<string, unknown>) => void;
  /** The rows loaded, ordered by {@link orderBy}, with the columns they name. */
  readonly rows: readonly Record<string, JsonValue>[];
  readonly orderBy: string;
}

/** Bytes of text in Windows-1252 (`€` 0x80, Latin-1 letters as their code points). */
export function windows1252(text: string): Buffer {
  const special: Record<string, number> = { '€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97 };
  return Buffer.from(
    [...text].map((c) => {
      const code = special[c] ?? c.charCodeAt(0);
      if (code > 0xff || (code >= 0x80 && code < 0xa0 && special[c] === undefined)) throw new Error(`${c} is not in windows-1252`);
      return code;
    }),
  );
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf-8');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const crlf = (lines: readonly string[]): string => lines.map((l) => `${l}\r\n`).join('');
const lf = (lines: readonly string[]): string => lines.map((l) => `${l}\n`).join('');

/** The Excel-EU export: UTF-8 with a BOM, CRLF, `;`, decimal comma with group dot, `31.12.2024`, a `€` and a quoted `;`. */
const EXCEL_EU_LINES = [
  'Order ID;Customer;Unit Price (EUR);Quantity;Order Date;Paid',
  'A-1001;Müller & Söhne;1.234,56;3;31.12.2024;ja',
  'A-1002;"Café ""Zum Löwen""; Köln";5,50;1;01.01.2025;nein',
  'A-1003;Bäckerei € Brot;0,99;12;29.02.2024;ja',
  'A-1004;Ørsted A/S;12.345.678,90;1.000;15.6.2024;nein',
];
const EXCEL_EU = Buffer.concat([BOM, utf8(crlf(EXCEL_EU_LINES))]);
const EXCEL_EU_ROWS: Record<string, JsonValue>[] = [
  { order_id: 'A-1001', customer: 'Müller & Söhne', unit_price_eur: '1234.56', quantity: 3, order_date: '2024-12-31', paid: true },
  { order_id: 'A-1002', customer: 'Café "Zum Löwen"; Köln', unit_price_eur: '5.50', quantity: 1, order_date: '2025-01-01', paid: false },
  { order_id: 'A-1003', customer: 'Bäckerei € Brot', unit_price_eur: '0.99', quantity: 12, order_date: '2024-02-29', paid: true },
  { order_id: 'A-1004', customer: 'Ørsted A/S', unit_price_eur: '12345678.90', quantity: 1000, order_date: '2024-06-15', paid: false },
];
const EXCEL_EU_INFERRED = {
  dataset: { dialect: { delimiter: ';' }, decimalChar: ',', groupChar: '.' },
  columns: {
    order_id: { source: 'Order ID', type: 'string' },
    customer: { source: 'Customer', type: 'string' },
    unit_price_eur: { source: 'Unit Price (EUR)', type: 'decimal(18,2)' },
    quantity: { source: 'Quantity', type: 'integer' },
    order_date: { source: 'Order Date', type: 'date', format: '%d.%m.%Y' },
    paid: { source: 'Paid', type: 'boolean', trueValues: ['ja'], falseValues: ['nein'] },
  },
};

/** The real-world files, in a fixed order. */
export const REAL_WORLD_FILES: readonly RealWorldFile[] = [
  {
    title: 'Excel-EU export (BOM, CRLF, ;, 1.234,56, 31.12.2024, Order ID, €)',
    name: 'orders-eu.csv',
    bytes: EXCEL_EU,
    inferred: EXCEL_EU_INFERRED,
    rows: EXCEL_EU_ROWS,
    orderBy: 'order_id',
  },
  {
    title: 'the Excel-EU export gzipped as orders.csv.gz',
    name: 'orders.csv.gz',
    bytes: gzipSync(EXCEL_EU, { level: 9 }),
    inferred: EXCEL_EU_INFERRED,
    rows: EXCEL_EU_ROWS,
    orderBy: 'order_id',
  },
  {
    title: 'gzip bytes named .csv',
    name: 'orders-gzipped.csv',
    bytes: gzipSync(EXCEL_EU, { level: 1 }),
    inferred: EXCEL_EU_INFERRED,
    rows: EXCEL_EU_ROWS,
    orderBy: 'order_id',
  },
  {
    title: 'Windows-1252 with € and é (header and values)',
    name: 'factures-1252.csv',
    bytes: windows1252(
      crlf([
        'N° facture,Client,Montant (€),Créé le,Remarque',
        'F-001,Société Générale,1250.00,2024-03-01,payé en €',
        'F-002,Crème & Brûlée SARL,99.90,2024-03-02,"réduction ""fidélité"""',
        'F-003,Zoë Müller,0.50,2024-03-03,',
      ]),
    ),
    inferred: {
      dataset: { dialect: { encoding: 'windows-1252' } },
      columns: {
        n_facture: { source: 'N° facture', type: 'string' },
        client: { source: 'Client', type: 'string' },
        montant_eur: { source: 'Montant (€)', type: 'decimal(18,2)' },
        cree_le: { source: 'Créé le', type: 'date' },
        remarque: { source: 'Remarque', type: 'string', nullable: true },
      },
    },
    rows: [
      { n_facture: 'F-001', client: 'Société Générale', montant_eur: '1250.00', cree_le: '2024-03-01', remarque: 'payé en €' },
      { n_facture: 'F-002', client: 'Crème & Brûlée SARL', montant_eur: '99.90', cree_le: '2024-03-02', remarque: 'réduction "fidélité"' },
      { n_facture: 'F-003', client: 'Zoë Müller', montant_eur: '0.50', cree_le: '2024-03-03', remarque: null },
    ],
    orderBy: 'n_facture',
  },
  {
    title: 'TSV with two title lines above the header',
    name: 'stock-report.tsv',
    bytes: utf8(
      lf([
        'Stock report — warehouse North',
        'Generated 2024-12-31 by ERP',
        'SKU\tDescription\tOn Hand\tReorder Level',
        'SKU-1\tWidget, large\t120\t50',
        'SKU-2\t"Gadget\tdeluxe"\t0\t10',
        'SKU-3\tBolt 5mm\t9001\t1000',
      ]),
    ),
    inferred: {
      dataset: { dialect: { delimiter: '\t', skipRows: 2 } },
      columns: { sku: { source: 'SKU', type: 'string' }, description: { type: 'string' }, on_hand: { type: 'integer' }, reorder_level: { type: 'integer' } },
    },
    rows: [
      { sku: 'SKU-1', description: 'Widget, large', on_hand: 120, reorder_level: 50 },
      { sku: 'SKU-2', description: 'Gadget\tdeluxe', on_hand: 0, reorder_level: 10 },
      { sku: 'SKU-3', description: 'Bolt 5mm', on_hand: 9001, reorder_level: 1000 },
    ],
    orderBy: 'sku',
  },
  {
    title: 'US dates, timestamps with a zone, 1,234.56',
    name: 'us-shipments.csv',
    bytes: utf8(
      lf([
        'Shipment ID,Ship Date,Shipped At,Amount (USD)',
        'S-1,12/31/2024,12/31/2024 13:45:00-05:00,"1,234.56"',
        'S-2,1/2/2025,01/02/2025 08:00:00+01:00,12.00',
        'S-3,02/29/2024,2/29/2024 23:59:59-08:00,"1,000,000.10"',
      ]),
    ),
    inferred: {
      dataset: { groupChar: ',' },
      columns: {
        shipment_id: { source: 'Shipment ID', type: 'string' },
        ship_date: { source: 'Ship Date', type: 'date', format: '%m/%d/%Y' },
        shipped_at: { source: 'Shipped At', type: 'timestamp', format: '%m/%d/%Y %H:%M:%S%z' },
        amount_usd: { source: 'Amount (USD)', type: 'decimal(18,2)' },
      },
    },
    rows: [
      { shipment_id: 'S-1', ship_date: '2024-12-31', shipped_at: '2024-12-31T18:45:00Z', amount_usd: '1234.56' },
      { shipment_id: 'S-2', ship_date: '2025-01-02', shipped_at: '2025-01-02T07:00:00Z', amount_usd: '12.00' },
      { shipment_id: 'S-3', ship_date: '2024-02-29', shipped_at: '2024-03-01T07:59:59Z', amount_usd: '1000000.10' },
    ],
    orderBy: 'shipment_id',
  },
  {
    title: 'NULL, N/A and - for missing values in typed columns',
    name: 'meter-readings.csv',
    bytes: utf8(
      lf(['meter,reading_kwh,read_on,count,comment', 'M-1,12.5,2024-01-31,3,ok', 'M-2,NULL,2024-02-29,N/A,NULL', 'M-3,-,N/A,-,estimated', 'M-4,7.25,NULL,10,']),
    ),
    inferred: {
      dataset: { missingValues: ['NULL', 'N/A', '-'] },
      columns: {
        meter: { type: 'string' },
        reading_kwh: { type: 'decimal(18,2)', nullable: true },
        read_on: { type: 'date', nullable: true },
        count: { type: 'integer', nullable: true },
        comment: { type: 'string', nullable: true },
      },
    },
    rows: [
      { meter: 'M-1', reading_kwh: '12.50', read_on: '2024-01-31', count: 3, comment: 'ok' },
      { meter: 'M-2', reading_kwh: null, read_on: '2024-02-29', count: null, comment: null },
      { meter: 'M-3', reading_kwh: null, read_on: null, count: null, comment: 'estimated' },
      { meter: 'M-4', reading_kwh: '7.25', read_on: null, count: 10, comment: null },
    ],
    orderBy: 'meter',
  },
  {
    title: 'booleans yes/no, Y/N, t/f',
    name: 'subscriptions.csv',
    bytes: utf8(lf(['customer,newsletter,Active,trial', 'C-1,yes,Y,t', 'C-2,no,N,f', 'C-3,yes,N,t'])),
    inferred: {
      columns: {
        newsletter: { type: 'boolean', trueValues: ['yes'], falseValues: ['no'] },
        active: { source: 'Active', type: 'boolean', trueValues: ['Y'], falseValues: ['N'] },
        trial: { type: 'boolean', trueValues: ['t'], falseValues: ['f'] },
      },
    },
    rows: [
      { customer: 'C-1', newsletter: true, active: true, trial: true },
      { customer: 'C-2', newsletter: false, active: false, trial: false },
      { customer: 'C-3', newsletter: true, active: false, trial: true },
    ],
    orderBy: 'customer',
  },
  {
    title: 'padded decimals, NaN and inf doubles, 2025-1-2 dates, no-zone timestamps',
    name: 'lab-values.csv',
    bytes: utf8(
      lf([
        'sample,dose,ratio,taken_on,measured_at',
        'L-1, 1.50 ,NaN,2025-1-2,2024-12-31 13:45:00',
        'L-2,2.25,inf,2025-10-20,2025-01-02 00:00:01',
        'L-3,  0.10,-inf,2025-12-1,2025-06-30 23:59:59',
        'L-4,3.00,1.5e3,2025-02-03,2025-07-01 12:00:00',
      ]),
    ),
    inferred: {
      columns: {
        dose: { type: 'decimal(18,2)', trim: true },
        ratio: { type: 'double' },
        taken_on: { type: 'date', format: '%Y-%m-%d' },
        measured_at: { type: 'timestamp' },
      },
    },
    rows: [
      { sample: 'L-1', dose: '1.50', ratio: 'NaN', taken_on: '2025-01-02', measured_at: '2024-12-31T13:45:00Z' },
      { sample: 'L-2', dose: '2.25', ratio: 'Infinity', taken_on: '2025-10-20', measured_at: '2025-01-02T00:00:01Z' },
      { sample: 'L-3', dose: '0.10', ratio: '-Infinity', taken_on: '2025-12-01', measured_at: '2025-06-30T23:59:59Z' },
      { sample: 'L-4', dose: '3.00', ratio: 1500, taken_on: '2025-02-03', measured_at: '2025-07-01T12:00:00Z' },
    ],
    orderBy: 'sample',
  },
  {
    title: 'a column the dataset does not declare (extraColumns "ignore")',
    name: 'customers-extra.csv',
    inferFrom: { name: 'customers-extra.csv', bytes: utf8(lf(['Customer ID,Name,Country', 'K-1,Ada,UK', 'K-2,Linus,FI'])) },
    editDataset: (dataset) => {
      dataset.extraColumns = 'ignore';
    },
    bytes: utf8(lf(['Customer ID,Internal Note,Name,Country', 'K-1,"do not call",Ada,UK', 'K-2,,Linus,FI', 'K-3,vip,Grace,US'])),
    inferred: {
      columns: {
        customer_id: { source: 'Customer ID', type: 'string' },
        name: { source: 'Name', type: 'string' },
        country: { source: 'Country', type: 'string' },
      },
    },
    rows: [
      { customer_id: 'K-1', name: 'Ada', country: 'UK' },
      { customer_id: 'K-2', name: 'Linus', country: 'FI' },
      { customer_id: 'K-3', name: 'Grace', country: 'US' },
    ],
    orderBy: 'customer_id',
  },
];

/** Writes the file (or, with `which: 'infer'`, the file infer reads) into `dir`; returns its path. */
export function writeRealWorldFile(dir: string, file: RealWorldFile, which: 'load' | 'infer' = 'load'): string {
  const source = which === 'infer' && file.inferFrom ? file.inferFrom : file;
  const target = path.join(dir, source.name);
  writeFileSync(target, source.bytes);
  return target;
}
