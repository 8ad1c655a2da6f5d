/**
 * A gzip input's transform time beside the plain file's (issue 20): the same generated orders
 * file, plain and gzip-compressed, through the local Glue stand-in (`job`, DuckDB), runs
 * interleaved (plain, gzip, repeated) so machine load affects both alike; medians and their ratio.
 *
 *   npx tsx bench/gzip-input.ts [size=1m] [runs=3]
 *
 * Writes the result between the `gzip-input` markers of docs/performance.md (the section is kept
 * apart from the one `npm run bench` renders, so a full bench run leaves it as it is).
 */
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { DATA_DIR, SIZES, type SizeName, ensureDataset } from './generate';
import { ROOT } from './paths';
import { median } from './stats';
import { runTransform } from './transform';

const BEGIN = '<!-- gzip-input:begin -->';
const END = '<!-- gzip-input:end -->';

async function main(): Promise<void> {
  const size = (process.argv[2] ?? '1m') as SizeName;
  const runs = Number(process.argv[3] ?? 3);
  if (!(size in SIZES) || !Number.isInteger(runs) || runs < 1) {
    console.error(`usage: tsx bench/gzip-input.ts [${Object.keys(SIZES).join('|')}] [runs ≥ 1]`);
    process.exit(2);
  }
  ensureDataset(size);
  const plain = path.join(DATA_DIR, `orders-${size}.csv`);
  const gzipped = `${plain}.gz`;
  if (!existsSync(gzipped)) await pipeline(createReadStream(plain), createGzip(), createWriteStream(gzipped));
  const times: Record<'plain' | 'gzip', number[]> = { plain: [], gzip: [] };
  for (let i = 0; i < runs; i += 1) {
    for (const [kind, file] of [
      ['plain', plain],
      ['gzip', gzipped],
    ] as const) {
      const run = runTransform('job', file, '2GB');
      if (run.error) throw new Error(`${kind} run failed: ${run.error}`);
      times[kind].push(run.ms);
      console.error(`${kind} run ${i + 1}/${runs}: ${(run.ms / 1000).toFixed(2)} s, ${run.rowsOut} rows out`);
    }
  }
  const p = median(times.plain);
  const g = median(times.gzip);
  const mb = (file: string) => (statSync(file).size / 1e6).toFixed(1);
  const section = [
    BEGIN,
    '## A gzip input beside the plain file (DuckDB stand-in)',
    '',
    `\`npx tsx bench/gzip-input.ts ${size} ${runs}\` on ${new Date().toISOString().slice(0, 10)}: the ${size} orders file, plain (${mb(plain)} MB) and gzip (${mb(gzipped)} MB), through \`job\`, runs interleaved, medians of ${runs}.`,
    '',
    '| input | transform (median) |',
    '|---|---|',
    `| plain CSV | ${(p / 1000).toFixed(2)} s |`,
    `| gzip CSV | ${(g / 1000).toFixed(2)} s (${(g / p).toFixed(2)}× the plain file) |`,
    '',
    'DuckDB inflates gzip in one thread while it parses, so a gzip file costs the inflation on top; on Spark a gzip file is read by one task (README, "gzip on Spark").',
    END,
  ].join('\n');
  const doc = path.join(ROOT, 'docs', 'performance.md');
  const text = readFileSync(doc, 'utf-8');
  const start = text.indexOf(BEGIN);
  const next = start < 0 ? `${text.trimEnd()}\n\n${section}\n` : `${text.slice(0, start)}${section}${text.slice(text.indexOf(END) + END.length)}`;
  writeFileSync(doc, next);
  console.log(JSON.stringify({ size, runs, plainMs: p, gzipMs: g, ratio: g / p }));
}

void main();
