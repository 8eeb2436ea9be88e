// The PostgreSQL side of db/client.ts, in its own module so that a server on SQLite never loads
// postgres.js, drizzle's PostgreSQL driver or the PostgreSQL table definitions.
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Env } from "../core/env";
import type { Db, Query } from "./client";
import * as pgTables from "./schema.pg";

export function openPostgres(url: string, pool: Env["pool"]): Db {
  // DATABASE_POOL_SIZE=0 means no pooling in Python; one connection at a time is the closest here.
  const max = pool.size === undefined ? 15 : Math.max(1, pool.size + pool.maxOverflow);
  const client = postgres(url, {
    max,
    connect_timeout: pool.timeoutSeconds || 30,
    max_lifetime: pool.recycleSeconds > 0 ? pool.recycleSeconds : null,
    idle_timeout: 60,
    onnotice: () => {},
  });
  const read = drizzlePostgres(client) as Query;
  return {
    dialect: "postgres",
    t: pgTables,
    read,
    write: (work) => read.transaction((tx) => work(tx as unknown as Query)),
    writeTurn: (work) => work(),
    execute: async (statement) => (await client.unsafe(statement)) as unknown as Record<string, unknown>[],
    close: () => client.end({ timeout: 5 }),
  };
}
