/**
 * settleDuplicate: what becomes of an object event whose execution already exists. It is deleted
 * from extract/ only once the execution's archived copy exists, and then exactly the event's
 * version goes.
 */
import { buildExecutionInput, type ExecutionInput } from '../../core/execution-input';
import type { ExecutionLookup } from '../../handlers/adapters/execution-starter';
import { type DuplicateEvent, settleDuplicate } from '../../handlers/duplicate-upload';
import { MemoryObjectStore } from '../helpers/memory-object-store';

const BUCKET = 'etl-pipeline-data-123456789012';
const KEY = 'extract/orders.csv';
const BYTES = 'order_id,amount\n1,10\n';

/** The first upload's execution input (version `v-first`), as the trigger built it. */
function firstInput(versionId = 'v-first'): ExecutionInput {
  return buildExecutionInput(
    { bucket: BUCKET, key: KEY, version: '0123456789abcdef0123456789abcdef', versionId, sizeBytes: BYTES.length, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**' },
  );
}

/** Executions by name, as Step Functions or the local store would describe them. */
class FakeExecutions implements ExecutionLookup {
  readonly asked: string[] = [];
  constructor(private readonly inputs: Record<string, unknown>) {}

  async inputOf(name: string): Promise<unknown> {
    this.asked.push(name);
    return this.inputs[name];
  }
}

/** A bucket holding the duplicate's version under the key, and the first execution described. */
function setup(first: ExecutionInput, options: { archived: boolean }) {
  const store = new MemoryObjectStore();
  store.put(BUCKET, KEY, BYTES, 'v-again');
  if (options.archived) store.put(BUCKET, first.archivedKey, BYTES);
  const executions = new FakeExecutions({ [first.executionName]: first });
  return { store, executions, deps: { store, executions } };
}

/** The event of the same bytes uploaded again: a new version, a later time. */
function reupload(first: ExecutionInput, versionId = 'v-again'): DuplicateEvent {
  return { ...first, versionId, eventTime: '2026-11-25T10:00:00.000Z' };
}

describe('settleDuplicate', () => {
  it("deletes exactly the event's version once the execution has archived the same bytes", async () => {
    // Prepare
    const first = firstInput();
    const { store, deps } = setup(first, { archived: true });

    // Act
    const outcome = await settleDuplicate(deps, reupload(first));

    // Assess
    expect(outcome.disposition).toBe('archived');
    expect(outcome.reason).toContain(first.archivedKey);
    expect(store.deletes).toEqual([{ bucket: BUCKET, key: KEY, versionId: 'v-again' }]);
    expect(store.versionIds(BUCKET, KEY)).toEqual([]);
    expect(store.versionIds(BUCKET, first.archivedKey)).toHaveLength(1);
  });

  it('leaves the version in extract/ while the archive does not exist (running, failed or rejected)', async () => {
    // Prepare
    const first = firstInput();
    const { store, deps } = setup(first, { archived: false });

    // Act
    const outcome = await settleDuplicate(deps, reupload(first));

    // Assess
    expect(outcome.disposition).toBe('left');
    expect(outcome.reason).toMatch(/^left in extract\/: execution .* has not archived these bytes \(it is still running, or it failed/);
    expect(store.deletes).toEqual([]);
    expect(store.versionIds(BUCKET, KEY)).toEqual(['v-again']);
  });

  it("deletes nothing for the execution's own event delivered again (same version, same time)", async () => {
    // Prepare
    const first = firstInput();
    const { store, deps } = setup(first, { archived: true });

    // Act
    const outcome = await settleDuplicate(deps, first);

    // Assess
    expect(outcome.disposition).toBe('redelivery');
    expect(store.deletes).toEqual([]);
  });

  it("deletes a re-drop whose version id is its bytes' hash (the folder bucket): same version, a new event", async () => {
    // Prepare
    const first = firstInput('0123456789abcdef0123456789abcdef');
    const { store, deps } = setup(first, { archived: true });
    store.put(BUCKET, KEY, BYTES, first.versionId);

    // Act
    const outcome = await settleDuplicate(deps, reupload(first, first.versionId));

    // Assess
    expect(outcome.disposition).toBe('archived');
    expect(store.deletes).toEqual([{ bucket: BUCKET, key: KEY, versionId: first.versionId }]);
  });

  it('leaves the object on an unversioned bucket: a delete by key could take a newer upload', async () => {
    // Prepare
    const first = firstInput('null');
    const { store, deps } = setup(first, { archived: true });

    // Act
    const outcome = await settleDuplicate(deps, reupload(first, 'null'));

    // Assess
    expect(outcome).toEqual({
      disposition: 'left',
      reason: 'left in extract/: the bucket is not versioned, so a delete could remove a newer upload under the key',
    });
    expect(store.deletes).toEqual([]);
  });

  it('leaves the object when no execution of that name and key is found', async () => {
    // Prepare
    const first = firstInput();
    const { store } = setup(first, { archived: true });
    const elsewhere = new FakeExecutions({ [first.executionName]: { ...first, key: 'extract/other.csv' } });

    // Act
    const missing = await settleDuplicate({ store, executions: new FakeExecutions({}) }, reupload(first));
    const otherKey = await settleDuplicate({ store, executions: elsewhere }, reupload(first));

    // Assess
    expect([missing.disposition, otherKey.disposition]).toEqual(['left', 'left']);
    expect(missing.reason).toContain(`no execution ${first.executionName}`);
    expect(store.deletes).toEqual([]);
  });

  it('leaves the object, naming the error, when the execution cannot be described', async () => {
    // Prepare
    const first = firstInput();
    const { store } = setup(first, { archived: true });
    const throttled: ExecutionLookup = { inputOf: () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })) };

    // Act
    const outcome = await settleDuplicate({ store, executions: throttled }, reupload(first));

    // Assess
    expect(outcome.disposition).toBe('left');
    expect(outcome.reason).toContain('ThrottlingException: Rate exceeded');
    expect(store.deletes).toEqual([]);
  });
});
