// One database handle for both dialects. Queries are written once against `db.t` (the tables of
// the open dialect) and `db.read`; every write goes through `db.write`, one transaction each.
import { Database as SqliteConnection } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { drizzle as drizzleSqlite } from "drizzle-orm/bun-sqlite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { DatabaseTarget, Env } from "../core/env";
import * as sqliteTables from "./schema.sqlite";

export type Tables = typeof import("./schema.pg");
/** Typed as the PostgreSQL flavour; on SQLite the same calls run on drizzle's SQLite driver. */
export type Query = PostgresJsDatabase<Record<string, never>>;

export interface Db {
  dialect: "sqlite" | "postgres";
  t: Tables;
  read: Query;
  /** Runs `work` in one transaction; on SQLite, writers take turns (one writer at a time). */
  write<T>(work: (tx: Query) => Promise<T>): Promise<T>;
  /**
   * Runs `work` (writes made through another connection, e.g. a worker thread's) while this
   * process's writers wait, so on SQLite the two never contend for the write lock.
   */
  writeTurn<T>(work: () => Promise<T>): Promise<T>;
  /** Raw SQL for bootstrap and introspection only. */
  execute(statement: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openDb(target: DatabaseTarget, env: Pick<Env, "pool" | "sqliteWal">): Promise<Db> {
  if (target.dialect === "sqlite") return openSqlite(target.path, env.sqliteWal);
  // The PostgreSQL driver and tables are loaded only for a PostgreSQL database.
  const { openPostgres } = await import("./postgres");
  return openPostgres(target.url, env.pool);
}

function configureSqlite(connection: SqliteConnection, wal: boolean) {
  // The same pragmas Python sets on every connection; never foreign_keys.
  connection.exec("PRAGMA busy_timeout = 5000");
  connection.exec(`PRAGMA journal_mode = ${wal ? "WAL" : "DELETE"}`);
}

function openSqlite(path: string, wal: boolean): Db {
  mkdirSync(dirname(path), { recursive: true });
  // Readers never see a writer's uncommitted rows: they use their own connection.
  const readConnection = new SqliteConnection(path, { create: true });
  configureSqlite(readConnection, wal);
  const writeConnection = new SqliteConnection(path);
  configureSqlite(writeConnection, wal);
  const read = drizzleSqlite(readConnection) as unknown as Query;
  const writer = drizzleSqlite(writeConnection) as unknown as Query;
  let turn: Promise<unknown> = Promise.resolve();

  const write = <T>(work: (tx: Query) => Promise<T>): Promise<T> => {
    const run = async () => {
      writeConnection.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(writer);
        writeConnection.exec("COMMIT");
        return result;
      } catch (error) {
        if (writeConnection.inTransaction) writeConnection.exec("ROLLBACK");
        throw error;
      }
    };
    return take(run);
  };
  const take = <T>(run: () => Promise<T>): Promise<T> => {
    const result = turn.then(run, run);
    turn = result.catch(() => undefined);
    return result;
  };

  return {
    dialect: "sqlite",
    t: sqliteTables as unknown as Tables,
    read,
    write,
    writeTurn: (work) => take(work),
    execute: async (statement) => readConnection.query(statement).all() as Record<string, unknown>[],
    close: async () => {
      await turn;
      writeConnection.close();
      readConnection.close();
    },
  };
}

/** `SELECT 1`, for /health/db. */
export async function ping(db: Db): Promise<void> {
  await db.execute("SELECT 1");
}
