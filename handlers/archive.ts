/** Archive: moves a processed input to `extract/archived/YYYY-MM-DD/…`. */
import { executionInputSchema } from '../core/execution-input-schema';
import type { ObjectStore } from './adapters/object-store';
import { type MoveResult, moveObject } from './move-object';
import { instrument, MetricUnit, type Observability } from './observability';

/** Dependencies of the Archive handler. */
export interface ArchiveDeps {
  readonly store: ObjectStore;
  readonly obs: Observability;
}

/** Builds the Archive handler. */
export function createArchiveHandler(deps: ArchiveDeps) {
  return instrument(deps.obs, 'archive', async (event: unknown): Promise<MoveResult> => {
    const input = executionInputSchema.parse(event);
    const moved = await moveObject(deps.store, input.bucket, input.key, input.versionId, input.archivedKey);
    deps.obs.metrics.addMetric('FilesArchived', MetricUnit.Count, 1);
    deps.obs.logger.info('input archived', { ...moved, executionName: input.executionName });
    return moved;
  });
}
