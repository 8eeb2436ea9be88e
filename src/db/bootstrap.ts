// Creates Open WebUI 0.6.32's schema in an empty database, or checks that an existing one is at
// exactly that revision. An existing database gets no DDL at all.
import postgresDdl from "./ddl/postgres.sql" with { type: "text" };
import sqliteDdl from "./ddl/sqlite.sql" with { type: "text" };
import { sql } from "drizzle-orm";
import type { Db } from "./client";

export const ALEMBIC_HEAD = "a5c220713937";

export const PEEWEE_MIGRATIONS = [
  "001_initial_schema",
  "002_add_local_sharing",
  "003_add_auth_api_key",
  "004_add_archived",
  "005_add_updated_at",
  "006_migrate_timestamps_and_charfields",
  "007_add_user_last_active_at",
  "008_add_memory",
  "009_add_models",
  "010_migrate_modelfiles_to_models",
  "011_add_user_settings",
  "012_add_tools",
  "013_add_user_info",
  "014_add_files",
  "015_add_functions",
  "016_add_valves_and_is_active",
  "017_add_user_oauth_sub",
  "018_add_function_is_global",
];

export class DatabaseStateError extends Error {}

export type BootstrapResult = "created" | "attached";

/** Fresh database: create everything in one transaction. Otherwise verify the revision. */
export async function prepareDatabase(db: Db): Promise<BootstrapResult> {
  const created = await db.write(async (tx) => {
    if (db.dialect === "postgres") {
      // Two instances starting on one empty database: the second waits, then finds the tables.
      await runRaw(db, tx, "SELECT pg_advisory_xact_lock(823741122)");
    }
    if ((await listTables(db, tx)).length > 0) return false;
    for (const statement of splitStatements(db.dialect === "sqlite" ? sqliteDdl : postgresDdl)) {
      await runRaw(db, tx, statement);
    }
    const now = db.dialect === "sqlite" ? "datetime('now')" : "(now() at time zone 'utc')";
    const rows = PEEWEE_MIGRATIONS.map((name) => `('${name}', ${now})`).join(", ");
    await runRaw(db, tx, `INSERT INTO migratehistory (name, migrated_at) VALUES ${rows}`);
    await runRaw(db, tx, `INSERT INTO alembic_version (version_num) VALUES ('${ALEMBIC_HEAD}')`);
    return true;
  });
  if (!created) await verifyRevision(db);
  return created ? "created" : "attached";
}

async function verifyRevision(db: Db): Promise<void> {
  const tables = new Set(await listTables(db));
  if (!tables.has("alembic_version") || !tables.has("migratehistory")) {
    throw new DatabaseStateError(
      "the database has tables but no Open WebUI migration bookkeeping (alembic_version, migratehistory); " +
        "point DATABASE_URL at an Open WebUI 0.6.32 database or an empty one",
    );
  }
  const versions = (await db.execute("SELECT version_num FROM alembic_version")).map((r) => String(r.version_num));
  if (versions.length !== 1 || versions[0] !== ALEMBIC_HEAD) {
    throw new DatabaseStateError(
      `the database is at Open WebUI schema revision ${versions.join(", ") || "(none)"}, ` +
        `but this server works only on revision ${ALEMBIC_HEAD} (Open WebUI 0.6.32); nothing was changed`,
    );
  }
  const applied = new Set((await db.execute("SELECT name FROM migratehistory")).map((r) => String(r.name)));
  const missing = PEEWEE_MIGRATIONS.filter((name) => !applied.has(name));
  if (missing.length > 0) {
    throw new DatabaseStateError(`the database misses Open WebUI migrations ${missing.join(", ")}; nothing was changed`);
  }
}

/** User tables of the database (SQLite's own bookkeeping excluded). */
async function listTables(db: Db, tx?: unknown): Promise<string[]> {
  const statement =
    db.dialect === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()";
  const rows = tx ? await runRaw(db, tx, statement) : await db.execute(statement);
  return rows.map((r) => String(r.name));
}

async function runRaw(db: Db, tx: unknown, statement: string): Promise<Record<string, unknown>[]> {
  const query = sql.raw(statement);
  if (db.dialect === "sqlite") {
    return (tx as { all(q: unknown): Record<string, unknown>[] }).all(query);
  }
  return [...((await (tx as { execute(q: unknown): Promise<Iterable<Record<string, unknown>>> }).execute(query)) ?? [])];
}

/** The DDL files hold one statement per `;` at a line end (no `;` inside literals). */
export function splitStatements(ddl: string): string[] {
  return ddl
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}
