/**
 * The dataset routes (name, match glob, reuploads, fastPathMaxBytes) bundled into the trigger. The full schema check of
 * etl.config.json runs at synth (infra) and in every other function; the trigger checks only
 * what it reads, with zod/mini, to keep its cold start small.
 */
import * as z from 'zod/mini';

import document from '../../etl.config.json';

const routesSchema = z.object({
  datasets: z.array(
    z.object({
      name: z.string(),
      match: z.string(),
      reuploads: z.optional(z.enum(['append', 'replace'])),
      // The fast path's threshold goes into the execution input (absent: the default, core/fast-path.ts).
      fastPathMaxBytes: z.optional(z.number()),
    }),
  ),
});

/** The deployed datasets, as the trigger routes keys to them. */
export const bundledRoutes = routesSchema.parse(document);
