/**
 * A process that uploads one file into a local root and is killed (SIGKILL, as `kill -9`) the
 * moment its execution enters a given state: it leaves that execution RUNNING, owned by a process
 * that is gone, as a crash would. Run with `node -r tsx/cjs test/helpers/killed-run.ts <root>
 * <file> <key> <state>`.
 */
import { LocalPipeline } from '../../local/runtime/local-pipeline';

async function killedRun(root: string, file: string, key: string, killAt: string): Promise<void> {
  const pipeline = new LocalPipeline({
    root,
    // The state's StateEntered event is recorded before this is called: a redrive resumes there.
    onStateEntered: (_name, state) => {
      if (state === killAt) process.kill(process.pid, 'SIGKILL');
    },
  });
  pipeline.put(file, key);
  await pipeline.deliver(await pipeline.objectCreatedEvent(key));
  await pipeline.idle();
}

const [root, file, key, killAt] = process.argv.slice(2);
void killedRun(root, file, key, killAt);
