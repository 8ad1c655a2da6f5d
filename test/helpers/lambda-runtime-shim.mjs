/**
 * One Lambda invocation, as the Node.js runtime makes it, in a fresh process (a cold start): loads
 * the function's module from `LAMBDA_TASK_ROOT` by its handler string (`_HANDLER`, e.g.
 * `index.handler`: the module path up to the first dot of its last segment, then the export's
 * path), calls the handler with the event and a context, and writes the outcome as JSON to a file:
 * `{ "result": … }`, or `{ "errorType", "errorMessage", "trace" }` as the runtime reports an error
 * (its `errorType` is the error's `name`, which Step Functions matches in Retry and Catch).
 *
 *   node lambda-runtime-shim.mjs <event.json> <outcome.json>
 *
 * Plain JavaScript: the arm64 Node.js binary runs it under qemu (test/helpers/deployed-function.ts).
 * A CommonJS bundle is required (as the runtime does), an ES module imported. Async handlers only:
 * the nodejs24.x runtime no longer calls callback-style ones.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

const [eventFile, outcomeFile] = process.argv.slice(2);

/** The module and the export of a handler string, as the runtime splits it. */
function splitHandler(handler) {
  const slash = handler.lastIndexOf('/');
  const dir = handler.slice(0, slash + 1);
  const match = /^([^.]*)\.(.*)$/.exec(handler.slice(slash + 1));
  if (!match) throw Object.assign(new Error(`Bad handler ${handler}`), { name: 'Runtime.MalformedHandlerName' });
  return { modulePath: dir + match[1], exportPath: match[2].split('.') };
}

/** Loads the module as the runtime does: `.js`, then `.mjs`, then `.cjs`. */
async function loadModule(taskRoot, modulePath) {
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = path.resolve(taskRoot, modulePath + ext);
    if (!fs.existsSync(file)) continue;
    return ext === '.mjs' ? import(pathToFileURL(file).href) : require(file);
  }
  throw Object.assign(new Error(`Cannot find module '${modulePath}'`), { name: 'Runtime.ImportModuleError' });
}

function errorOutcome(e) {
  const error = e instanceof Error ? e : new Error(String(e));
  return { errorType: error.name, errorMessage: error.message, trace: String(error.stack ?? '').split('\n') };
}

async function main() {
  const env = process.env;
  const deadline = Date.now() + Number(env.SHIM_TIMEOUT_SECONDS) * 1000;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: env.SHIM_FUNCTION_ARN,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let outcome;
  try {
    const { modulePath, exportPath } = splitHandler(env._HANDLER);
    const loadStart = Date.now();
    const module = await loadModule(env.LAMBDA_TASK_ROOT, modulePath);
    const initMs = Date.now() - loadStart;
    const handler = exportPath.reduce((object, name) => (object == null ? undefined : object[name]), module);
    if (typeof handler !== 'function') {
      throw Object.assign(new Error(`${env._HANDLER} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
    }
    const event = JSON.parse(fs.readFileSync(eventFile, 'utf-8'));
    const invokeStart = Date.now();
    try {
      outcome = { result: (await handler(event, context)) ?? null };
    } catch (e) {
      outcome = errorOutcome(e);
    }
    outcome.initMs = initMs;
    outcome.durationMs = Date.now() - invokeStart;
  } catch (e) {
    outcome = errorOutcome(e);
  }
  fs.writeFileSync(outcomeFile, JSON.stringify(outcome));
  // As the runtime freezes the sandbox once the handler's promise settles, whatever still waits
  // on the event loop (keep-alive sockets, timers) does not keep the invocation open.
  process.exit(0);
}

await main();
