/**
 * The console in a real browser (Debian's chromium, driven by playwright-core): a file whose
 * transform failed shows its failed state on the graph; Redrive in the page, with the fault
 * gone, and the execution is seen to succeed through the live updates. The page is captured
 * for the README (`docs/console.png`) when asked to, or when that file does not exist yet.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { type Browser, chromium, type Page } from 'playwright-core';

import { type ConsoleServer, startConsoleServer } from '../../local/console/server';
import { runFiles } from '../../local/cli/run-files';
import { LocalPipeline } from '../../local/runtime/local-pipeline';
import { STATE } from '../../statemachine/definition';
import { PROJECT_ROOT, sample, tempRoot } from '../helpers/local-root';

/** Debian's chromium; the test never downloads a browser. */
const CHROMIUM = process.env.ETL_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(PROJECT_ROOT, 'docs', 'console.png');
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const nodeStatus = (page: Page, state: string) => page.getAttribute(`g.node[data-state="${state}"]`, 'data-status');

describe('execution console in chromium', () => {
  let browser: Browser | undefined;
  let server: ConsoleServer | undefined;
  let failedName: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no browser at ${CHROMIUM}: the console's browser test needs Debian's chromium ` +
          '(apt-get update && apt-get install -y --no-install-recommends chromium; .ci/run does this), or ETL_CHROMIUM=/path/to/chromium',
      );
    }
    // Prepare: two runs for the list (a warning, a rejected file), then one whose transform fails
    // on the fast path (a 40-row file: ChooseEngine sends it to TransformInLambda).
    const root = tempRoot();
    const plain = new LocalPipeline({ root });
    await runFiles(plain, [sample('orders-with-duplicates.csv'), sample('orders-rejected.csv')], {});
    plain.close();
    const faulty = new LocalPipeline({ root, faults: { [STATE.TransformInLambda]: 'fail' } });
    const [failed] = await runFiles(faulty, [sample('orders-clean.csv')], {});
    faulty.close();
    failedName = failed.executionName;
    // The console runs its own pipeline, without the fault: a redrive from the page sees it fixed.
    server = await startConsoleServer({ root, port: 0, pollMs: 100 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('marks the failed state on the graph, redrives from the page, and shows the execution succeed', async () => {
    // Prepare
    const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // A Content-Security-Policy violation or a failed asset shows as a console error.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('the server responded with a status of 400')) pageErrors.push(m.text());
    });
    await page.goto((server as ConsoleServer).url);

    // Act: select the failed execution.
    await page.click(`li[data-name="${failedName}"]`);
    await page.waitForSelector('g.node[data-state="RedriveGate"][data-status="failed"]');

    // Assess: the path and the failure on the graph.
    expect(await page.textContent('#execution-status')).toBe('FAILED');
    expect(await nodeStatus(page, STATE.Validate)).toBe('succeeded');
    expect(await nodeStatus(page, STATE.ChooseEngine)).toBe('succeeded');
    expect(await nodeStatus(page, STATE.TransformInLambda)).toBe('caught');
    expect(await nodeStatus(page, STATE.Transform)).toBe('idle');
    expect(await nodeStatus(page, STATE.Summarize)).toBe('idle');
    expect(await page.locator('path.edge.taken[data-from="ChooseEngine"][data-to="TransformInLambda"]').count()).toBe(1);
    expect(await page.locator('path.edge.taken[data-from="ChooseEngine"][data-to="Transform"]').count()).toBe(0);
    expect(await page.locator('path.edge.taken-catch[data-from="TransformInLambda"][data-to="DescribeTransformFailure"]').count()).toBe(1);
    expect(await page.textContent('.error-box')).toContain('FaultInjectedError');

    // Act: redrive, and wait for the live update.
    await page.click('#redrive');
    await page
      .waitForFunction(() => document.querySelector('#execution-status')?.textContent === 'SUCCEEDED', undefined, { timeout: 30_000 })
      .catch(async (e: unknown) => {
        const stored = (server as ConsoleServer).pipeline.store.get(failedName)?.status;
        throw new Error(
          `the page did not show SUCCEEDED (stored: ${stored}; page: ${await page.textContent('.detail-head')}; stream: ${await page.textContent('#live')}): ${String(e)}`,
        );
      });

    // Assess: the new path, the history, the notification and the files.
    expect(await nodeStatus(page, STATE.NotifySuccess)).toBe('succeeded');
    expect(await nodeStatus(page, STATE.RedriveGate)).toBe('succeeded');
    expect(await page.locator('g.node[data-state="RedriveGate"] .badge-failed-before').count()).toBe(1);
    expect(await page.locator('ol.timeline li[data-type="ExecutionRedriven"]').count()).toBe(1);
    expect((server as ConsoleServer).pipeline.store.get(failedName)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(await page.locator(`li[data-name="${failedName}"][data-status="SUCCEEDED"]`).count()).toBe(1);
    await page.click('nav.tabs button[data-tab="notification"]');
    expect(await page.locator('.notification .topic').allTextContents()).toEqual(['etl-job-failure', 'etl-job-success']);
    await page.click('nav.tabs button[data-tab="files"]');
    expect(await page.locator('table.files a').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^load\/orders\/dt=.*\.parquet$/)]));
    expect(pageErrors).toEqual([]);

    // The picture for the README: the timeline of the redriven execution.
    await page.click('nav.tabs button[data-tab="timeline"]');
    const update = process.env.UPDATE_SCREENSHOT === '1' || !existsSync(SCREENSHOT);
    const target = update ? SCREENSHOT : path.join(mkdtempSync(path.join(os.tmpdir(), 'etl-console-')), 'console.png');
    mkdirSync(path.dirname(target), { recursive: true });
    await page.screenshot({ path: target });

    // Act: upload a CSV from the page, then one the console must refuse.
    await page.setInputFiles('#upload-file', { name: 'orders-late.csv', mimeType: 'text/csv', buffer: readFileSync(sample('orders-clean.csv')) });
    await page.waitForSelector('ol.executions li.selected[data-status="SUCCEEDED"] >> text=orders-late.csv', { timeout: 30_000 });
    await page.setInputFiles('#upload-file', { name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{}') });
    await page.waitForSelector('#banner:not([hidden])');

    // Act: zoom the graph in, then back to the whole of it.
    const whole = await page.getAttribute('svg.graph', 'viewBox');
    await page.click('button[aria-label="zoom in"]');
    const zoomed = await page.getAttribute('svg.graph', 'viewBox');
    await page.click('text=Fit');

    // Assess
    expect(Number(zoomed?.split(' ')[2])).toBeLessThan(Number(whole?.split(' ')[2]));
    expect(await page.getAttribute('svg.graph', 'viewBox')).toBe(whole);
    expect(await page.textContent('#execution-status')).toBe('SUCCEEDED');
    expect(await page.textContent('#banner')).toContain('InvalidUploadError: "notes.json" is not a file name the console accepts');
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
