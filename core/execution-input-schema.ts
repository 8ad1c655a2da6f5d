/** The zod schema of the execution input, for the handlers that receive it. */
import { z } from 'zod';

import type { ExecutionInput } from './execution-input';

/** Schema of the execution input (handlers parse their event with it). */
export const executionInputSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  // An input from before the fast path has none: it went to Glue, as ChooseEngine sends it.
  fastPathMaxBytes: z.number().int().nonnegative().default(0),
  forceGlueJob: z.boolean().optional(),
  version: z.string(),
  versionId: z.string().min(1),
  eventTime: z.string(),
  dataset: z.string().nullable(),
  executionName: z.string().min(1).max(80),
  uploadId: z.string().regex(/^[0-9a-f]{16}$/),
  loadId: z.string().regex(/^[0-9a-f]{16}$/),
  ingestionDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  archivedKey: z.string(),
  rejectedKey: z.string(),
  reportKey: z.string(),
  outputPrefix: z.string(),
}) satisfies z.ZodType<ExecutionInput>;
