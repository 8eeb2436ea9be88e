// A fresh, empty database for each server start: a temporary SQLite folder, or (with
// BENCH_DATABASE_URL, a PostgreSQL URL allowed to create databases) a new PostgreSQL database.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

export interface FreshDatabase {
  dialect: "sqlite" | "postgres";
  dataDir: string;
  /** DATABASE_URL for the server, or undefined for the default SQLite file in DATA_DIR. */
  url: string | undefined;
  drop(): Promise<void>;
}

let counter = 0;

export async function freshDatabase(postgresAdminUrl: string | undefined): Promise<FreshDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "owb-bench-"));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (!postgresAdminUrl) return { dialect: "sqlite", dataDir, url: undefined, drop: async () => removeDir() };

  const name = `owb_bench_${process.pid}_${counter++}`;
  const admin = postgres(postgresAdminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    dialect: "postgres",
    dataDir,
    url: url.toString(),
    drop: async () => {
      const cleanup = postgres(postgresAdminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
      removeDir();
    },
  };
}
