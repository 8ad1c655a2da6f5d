/**
 * The Archive handler: the input's own version moved to extract/archived/, then the key's other
 * versions with the same bytes (re-uploads the trigger had to leave while the run went on)
 * deleted, and only those. Safe to repeat after a partial run.
 */
import { buildExecutionInput, type ExecutionInput, NULL_VERSION_ID } from '../../core/execution-input';
import { createArchiveHandler } from '../../handlers/archive';
import { createObservability } from '../../handlers/observability';
import { md5, MemoryObjectStore } from '../helpers/memory-object-store';

// Keep Powertools quiet: no log lines, no EMF metric blobs on stdout.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const BUCKET = 'etl-pipeline-data-123456789012';
const KEY = 'extract/orders.csv';
const BYTES = 'order_id,amount\n1,10\n';
const OTHER_BYTES = 'order_id,amount\n2,20\n';

/** The execution input of the upload `versionId` of BYTES, as the trigger built it (the event's ETag is their MD5). */
function inputOf(versionId: string): ExecutionInput {
  return buildExecutionInput(
    { bucket: BUCKET, key: KEY, version: md5(BYTES), versionId, sizeBytes: BYTES.length, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**' },
  );
}

function setup() {
  const store = new MemoryObjectStore();
  const obs = createObservability('test');
  const info = jest.spyOn(obs.logger, 'info');
  return { store, info, handler: createArchiveHandler({ store, obs }) };
}

describe('archive handler', () => {
  it('deletes the re-uploads of the archived bytes after the move, and keeps a version with other bytes', async () => {
    // Prepare: the execution's upload, the same bytes twice more, other bytes in between
    const { store, info, handler } = setup();
    const own = store.put(BUCKET, KEY, BYTES);
    const again = store.put(BUCKET, KEY, BYTES);
    const other = store.put(BUCKET, KEY, OTHER_BYTES);
    const thrice = store.put(BUCKET, KEY, BYTES);
    const input = inputOf(own);

    // Act
    const result = await handler(input);

    // Assess
    expect(result).toEqual({ bucket: BUCKET, sourceKey: KEY, destinationKey: input.archivedKey, alreadyMoved: false, reuploadsRemoved: [thrice, again] });
    expect(store.deletes).toEqual([own, thrice, again].map((versionId) => ({ bucket: BUCKET, key: KEY, versionId })));
    expect(store.versionIds(BUCKET, KEY)).toEqual([other]);
    expect(store.versionIds(BUCKET, input.archivedKey)).toHaveLength(1);
    expect(await store.readText(BUCKET, input.archivedKey)).toBe(BYTES);
    expect(info).toHaveBeenCalledWith('re-uploads of the archived bytes removed from extract/', expect.objectContaining({ key: KEY, versionIds: [thrice, again], archivedKey: input.archivedKey }));
  });

  it('deletes nothing before the archived copy exists', async () => {
    // Prepare
    const { store, handler } = setup();
    const own = store.put(BUCKET, KEY, BYTES);
    store.put(BUCKET, KEY, BYTES);
    const copy = jest.spyOn(store, 'copy');
    const remove = jest.spyOn(store, 'delete');

    // Act
    await handler(inputOf(own));

    // Assess
    expect(remove).toHaveBeenCalledTimes(2);
    expect(Math.min(...remove.mock.invocationCallOrder)).toBeGreaterThan(copy.mock.invocationCallOrder[0]);
  });

  it('deletes nothing when the copy fails', async () => {
    // Prepare
    const { store, handler } = setup();
    const own = store.put(BUCKET, KEY, BYTES);
    const again = store.put(BUCKET, KEY, BYTES);
    jest.spyOn(store, 'copy').mockRejectedValueOnce(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    // Act
    const act = handler(inputOf(own));

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(store.deletes).toEqual([]);
    expect(store.versionIds(BUCKET, KEY)).toEqual([own, again]);
  });

  it('with no re-upload: only its own version goes, and no re-upload is logged', async () => {
    // Prepare
    const { store, info, handler } = setup();
    const own = store.put(BUCKET, KEY, BYTES);
    const newer = store.put(BUCKET, KEY, OTHER_BYTES);

    // Act
    const result = await handler(inputOf(own));

    // Assess
    expect(result.reuploadsRemoved).toEqual([]);
    expect(store.versionIds(BUCKET, KEY)).toEqual([newer]);
    expect(info.mock.calls.map(([message]) => message)).not.toContain('re-uploads of the archived bytes removed from extract/');
  });

  it('a redrive after a run that stopped halfway through the re-uploads deletes the rest, copying nothing again', async () => {
    // Prepare: the first attempt fails deleting the second re-upload
    const { store, handler } = setup();
    const own = store.put(BUCKET, KEY, BYTES);
    const again = store.put(BUCKET, KEY, BYTES);
    store.put(BUCKET, KEY, BYTES);
    const input = inputOf(own);
    const deleteVersion = store.delete.bind(store);
    let deletes = 0;
    jest.spyOn(store, 'delete').mockImplementation(async (...args) => {
      deletes += 1;
      if (deletes === 3) throw Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' });
      return deleteVersion(...args);
    });
    await expect(handler(input)).rejects.toMatchObject({ name: 'InternalError' });
    expect(store.versionIds(BUCKET, KEY)).toEqual([again]);

    // Act
    const redriven = await handler(input);
    const repeated = await handler(input);

    // Assess
    expect(redriven).toMatchObject({ alreadyMoved: true, reuploadsRemoved: [again] });
    expect(repeated).toMatchObject({ alreadyMoved: true, reuploadsRemoved: [] });
    expect(store.versionIds(BUCKET, KEY)).toEqual([]);
    expect(store.versionIds(BUCKET, input.archivedKey)).toHaveLength(1);
  });

  it('on a bucket that is not versioned, lists and deletes nothing beyond the move', async () => {
    // Prepare
    const { store, handler } = setup();
    store.put(BUCKET, KEY, BYTES, NULL_VERSION_ID);
    const list = jest.spyOn(store, 'listVersions');

    // Act
    const result = await handler(inputOf(NULL_VERSION_ID));

    // Assess
    expect(result.reuploadsRemoved).toEqual([]);
    expect(list).not.toHaveBeenCalled();
    expect(store.deletes).toEqual([{ bucket: BUCKET, key: KEY, versionId: NULL_VERSION_ID }]);
  });

  it('leaves a version whose ETag is not the one the event named (an event without an ETag names the version id)', async () => {
    // Prepare
    const { store, handler } = setup();
    const own = store.put(BUCKET, KEY, BYTES);
    const again = store.put(BUCKET, KEY, BYTES);
    const input = { ...inputOf(own), version: own };

    // Act
    const result = await handler(input);

    // Assess
    expect(result.reuploadsRemoved).toEqual([]);
    expect(store.versionIds(BUCKET, KEY)).toEqual([again]);
  });
});
