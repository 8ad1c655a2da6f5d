/**
 * The Archive handler: the input's own version moved to extract/archived/, then the key's other
 * versions with the same bytes (re-uploads the trigger had to leave while the run went on)
 * deleted, and only those. The same bytes are the same checksum (a HEAD of each version), as on
 * S3 with SSE-KMS, where every upload has an ETag of its own; ETags decide only for an input named
 * by its ETag. Safe to repeat after a partial run.
 */
import { buildExecutionInput, type ExecutionInput, NULL_VERSION_ID } from '../../core/execution-input';
import { createArchiveHandler } from '../../handlers/archive';
import { createObservability } from '../../handlers/observability';
import { MemoryObjectStore, type PutOptions } from '../helpers/memory-object-store';

// Keep Powertools quiet: no log lines, no EMF metric blobs on stdout.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const BUCKET = 'etl-pipeline-data-123456789012';
const KEY = 'extract/orders.csv';
const BYTES = 'order_id,amount\n1,10\n';
const OTHER_BYTES = 'order_id,amount\n2,20\n';
/** S3's checksums of BYTES and OTHER_BYTES, as the S3 adapter names them. */
const CHECKSUM: Readonly<Record<string, string>> = { [BYTES]: 'crc64nvme:Hr8HqRxQZ2A=', [OTHER_BYTES]: 'crc64nvme:u8Lw+Q0AAAA=' };

/**
 * The execution input of the upload `versionId` of BYTES, as the trigger built it: named by the
 * checksum of the bytes (or by `version`, e.g. the ETag when the bucket had no checksum).
 */
function inputOf(versionId: string, version = CHECKSUM[BYTES]): ExecutionInput {
  return buildExecutionInput(
    { bucket: BUCKET, key: KEY, version, versionId, sizeBytes: BYTES.length, eventTime: '2026-11-25T09:30:12.345Z' },
    { name: 'orders', match: 'extract/**' },
  );
}

let uploads = 0;
/** An upload of `bytes` under KEY as S3 stores it with SSE-KMS: an ETag of its own, the checksum of the bytes. */
function upload(store: MemoryObjectStore, bytes: string, options: PutOptions = {}): string {
  uploads += 1;
  return store.put(BUCKET, KEY, bytes, { eTag: `${uploads}`.padStart(32, 'e'), contentId: CHECKSUM[bytes], ...options });
}

function setup() {
  const store = new MemoryObjectStore();
  const obs = createObservability('test');
  const info = jest.spyOn(obs.logger, 'info');
  return { store, info, handler: createArchiveHandler({ store, obs }) };
}

describe('archive handler', () => {
  it('deletes the re-uploads of the archived bytes after the move, and keeps a version with other bytes', async () => {
    // Prepare: the execution's upload, the same bytes twice more, other bytes in between; each
    // upload with an ETag of its own (SSE-KMS), the same bytes with the same checksum
    const { store, info, handler } = setup();
    const own = upload(store, BYTES);
    const again = upload(store, BYTES);
    const other = upload(store, OTHER_BYTES);
    const thrice = upload(store, BYTES);
    const input = inputOf(own);

    // Act
    const result = await handler(input);

    // Assess
    expect(result).toEqual({ bucket: BUCKET, sourceKey: KEY, destinationKey: input.archivedKey, alreadyMoved: false, reuploadsRemoved: [thrice, again] });
    expect(store.deletes).toEqual([own, thrice, again].map((versionId) => ({ bucket: BUCKET, key: KEY, versionId })));
    expect(store.versionIds(BUCKET, KEY)).toEqual([other]);
    expect(store.versionIds(BUCKET, input.archivedKey)).toHaveLength(1);
    expect(await store.readText(BUCKET, input.archivedKey)).toBe(BYTES);
    expect(info).toHaveBeenCalledWith(
      're-uploads of the archived bytes removed from extract/',
      expect.objectContaining({ key: KEY, versionIds: [thrice, again], archivedKey: input.archivedKey }),
    );
  });

  it('deletes nothing before the archived copy exists', async () => {
    // Prepare
    const { store, handler } = setup();
    const own = upload(store, BYTES);
    upload(store, BYTES);
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
    const own = upload(store, BYTES);
    const again = upload(store, BYTES);
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
    const own = upload(store, BYTES);
    const newer = upload(store, OTHER_BYTES);

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
    const own = upload(store, BYTES);
    const again = upload(store, BYTES);
    upload(store, BYTES);
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

  it('leaves a version whose content is not the one the event named (an event without an ETag names the version id)', async () => {
    // Prepare
    const { store, handler } = setup();
    const own = upload(store, BYTES);
    const again = upload(store, BYTES);
    const input = { ...inputOf(own), version: own };

    // Act
    const result = await handler(input);

    // Assess
    expect(result.reuploadsRemoved).toEqual([]);
    expect(store.versionIds(BUCKET, KEY)).toEqual([again]);
  });

  it('heads each other version of the key (and only those) for its checksum', async () => {
    // Prepare
    const { store, handler } = setup();
    const own = upload(store, BYTES);
    const again = upload(store, BYTES);
    const other = upload(store, OTHER_BYTES);
    store.put(BUCKET, `${KEY}.bak`, BYTES);
    const input = inputOf(own);

    // Act
    await handler(input);

    // Assess
    const versionHeads = store.heads.filter((h) => h.key === KEY && h.versionId !== own);
    expect(versionHeads.map((h) => h.versionId).sort()).toEqual([again, other].sort());
    expect(store.heads.some((h) => h.key === `${KEY}.bak`)).toBe(false);
  });

  it('when the input was named by its ETag (no checksum), deletes the versions with that ETag, and no other', async () => {
    // Prepare: objects stored without a checksum, plain ETags (MD5s); one later with a checksum
    const { store, handler } = setup();
    const eTag = '0123456789abcdef0123456789abcdef';
    const own = upload(store, BYTES, { eTag, contentId: null });
    const again = upload(store, BYTES, { eTag, contentId: null });
    const otherETag = upload(store, BYTES, { contentId: null });
    const withChecksum = upload(store, BYTES);

    // Act
    const result = await handler(inputOf(own, eTag));

    // Assess
    expect(result.reuploadsRemoved).toEqual([again]);
    expect(store.versionIds(BUCKET, KEY)).toEqual([otherETag, withChecksum]);
  });

  it('leaves a version listed but gone when it is looked up (deleted meanwhile)', async () => {
    // Prepare
    const { store, handler } = setup();
    const own = upload(store, BYTES);
    const again = upload(store, BYTES);
    const head = store.head.bind(store);
    jest.spyOn(store, 'head').mockImplementation(async (bucket, key, versionId) => (versionId === again ? undefined : head(bucket, key, versionId)));

    // Act
    const result = await handler(inputOf(own));

    // Assess
    expect(result.reuploadsRemoved).toEqual([]);
    expect(store.deletes).toEqual([{ bucket: BUCKET, key: KEY, versionId: own }]);
  });
});
