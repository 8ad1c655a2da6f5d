/**
 * The page: `web/index.html`, `web/styles.css` and the TypeScript of `web/` bundled by esbuild
 * when the server starts (in memory, once per process). Nothing is fetched from elsewhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { build } from 'esbuild';

/** A static asset, by URL path. */
export interface WebAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const WEB_DIR = path.join(__dirname, 'web');

let assets: Promise<ReadonlyMap<string, WebAsset>> | undefined;

/** The page's assets: `/`, `/assets/app.js`, `/assets/styles.css`. */
export function webAssets(): Promise<ReadonlyMap<string, WebAsset>> {
  assets ??= bundle().catch((e: unknown) => {
    assets = undefined; // a failed build is retried by the next server start
    throw e;
  });
  return assets;
}

async function bundle(): Promise<ReadonlyMap<string, WebAsset>> {
  const result = await build({
    entryPoints: [path.join(WEB_DIR, 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'silent',
  });
  const html = readFileSync(path.join(WEB_DIR, 'index.html'));
  return new Map<string, WebAsset>([
    ['/', { body: html, contentType: 'text/html; charset=utf-8' }],
    ['/assets/app.js', { body: Buffer.from(result.outputFiles[0].contents), contentType: 'text/javascript; charset=utf-8' }],
    ['/assets/styles.css', { body: readFileSync(path.join(WEB_DIR, 'styles.css')), contentType: 'text/css; charset=utf-8' }],
  ]);
}
