/** Small helpers of the local engine's DuckDB statements. */
import type { DuckDBConnection } from '@duckdb/node-api';

/** A SQL string literal. */
export function sqlText(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export async function run(db: DuckDBConnection, sql: string): Promise<void> {
  await db.run(sql);
}

export async function rows<T>(db: DuckDBConnection, sql: string): Promise<T[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

export async function one(db: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  return (await rows<Record<string, unknown>>(db, sql))[0];
}
