/**
 * The arguments of one transform run, as the state machine passes them: to the Glue job
 * (`glue:startJobRun`'s `Arguments`) and, the same object, to the fast path's Lambda (which
 * checks them with this schema).
 */
import { z } from 'zod';

export const transformArgumentsSchema = z.object({
  '--bucket': z.string().min(1),
  '--input_key': z.string().min(1),
  '--input_version_id': z.string().min(1),
  /** What the output files are named after (`part-<load id>-<n>.parquet`). */
  '--load_id': z.string().regex(/^[A-Za-z0-9_-]+$/),
  '--dataset': z.string().min(1),
  '--execution_name': z.string().min(1),
  '--ingestion_date': z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  '--report_key': z.string().min(1),
});

export type TransformArguments = Readonly<z.infer<typeof transformArgumentsSchema>>;
