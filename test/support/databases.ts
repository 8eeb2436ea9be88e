// Each test file gets fresh databases: a temporary SQLite file, and (when TEST_DATABASE_URL is
// set) a new PostgreSQL database created for it and dropped afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

export type Dialect = "sqlite" | "postgres";

export interface TestDatabase {
  dialect: Dialect;
  /** DATABASE_URL for the server under test. */
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

export const postgresAvailable = Boolean(process.env.TEST_DATABASE_URL);

/** The dialects to run database tests on; PostgreSQL is skipped (and says so) without a URL. */
export const dialects: Dialect[] = postgresAvailable ? ["sqlite", "postgres"] : ["sqlite"];
if (!postgresAvailable) console.warn("TEST_DATABASE_URL is not set: PostgreSQL tests are skipped");

let counter = 0;

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), "owb-test-"));
  if (dialect === "sqlite") {
    return {
      dialect,
      url: `sqlite:///${join(dataDir, "webui.db")}`,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const admin = new URL(process.env.TEST_DATABASE_URL as string);
  const name = `owb_test_${process.pid}_${Date.now()}_${counter++}`;
  const client = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  await client.unsafe(`CREATE DATABASE "${name}"`);
  await client.end();
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    dataDir,
    drop: async () => {
      const cleanup = postgres(admin.toString(), { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
