// A fresh database made by this server has Open WebUI 0.6.32's schema and bookkeeping, exactly as
// the Python backend leaves it; an existing database is used without DDL; anything else is refused.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { readEnv } from "../../src/core/env";
import { openDb } from "../../src/db/client";
import { ALEMBIC_HEAD, DatabaseStateError, PEEWEE_MIGRATIONS, prepareDatabase } from "../../src/db/bootstrap";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../support/databases";
import { introspectPostgres, introspectSqlite } from "../support/introspect";

const fixtures = join(import.meta.dir, "..", "fixtures");
const pythonSqliteDdl = readFileSync(join(fixtures, "python-schema-sqlite.sql"), "utf8");
const pythonPostgresDdl = readFileSync(join(fixtures, "python-schema-postgres.sql"), "utf8");

const opened: TestDatabase[] = [];
afterAll(async () => {
  for (const database of opened) await database.drop();
});

async function fresh(dialect: "sqlite" | "postgres") {
  const database = await createTestDatabase(dialect);
  opened.push(database);
  return database;
}

function open(database: TestDatabase) {
  const env = readEnv({ DATABASE_URL: database.url, DATA_DIR: database.dataDir });
  return openDb(env.database, env);
}

const sqlitePath = (database: TestDatabase) => database.url.replace("sqlite:///", "");

async function bookkeeping(database: TestDatabase) {
  const db = await open(database);
  try {
    const versions = await db.execute("SELECT version_num FROM alembic_version");
    const names = await db.execute("SELECT name FROM migratehistory ORDER BY id");
    return { versions: versions.map((r) => r.version_num), names: names.map((r) => r.name) };
  } finally {
    await db.close();
  }
}

describe("sqlite", () => {
  test("a fresh database gets exactly the schema the Python backend creates", async () => {
    const ours = await fresh("sqlite");
    const db = await open(ours);
    expect(await prepareDatabase(db)).toBe("created");
    await db.close();

    const python = await fresh("sqlite");
    const raw = new Database(sqlitePath(python), { create: true });
    raw.exec(pythonSqliteDdl);
    raw.close();

    expect(introspectSqlite(sqlitePath(ours))).toEqual(introspectSqlite(sqlitePath(python)));
    expect(Object.keys(introspectSqlite(sqlitePath(ours)).tables)).toContain("chatidtag");
  });

  test("the migration bookkeeping says there is nothing left to migrate", async () => {
    const ours = await fresh("sqlite");
    const db = await open(ours);
    await prepareDatabase(db);
    await db.close();
    expect(await bookkeeping(ours)).toEqual({ versions: [ALEMBIC_HEAD], names: PEEWEE_MIGRATIONS });
  });

  test("an existing 0.6.32 database is attached without any DDL", async () => {
    const database = await fresh("sqlite");
    const first = await open(database);
    await prepareDatabase(first);
    await first.close();
    const before = new Database(sqlitePath(database)).query("SELECT type, name, sql FROM sqlite_master").all();

    const second = await open(database);
    expect(await prepareDatabase(second)).toBe("attached");
    await second.close();
    const after = new Database(sqlitePath(database)).query("SELECT type, name, sql FROM sqlite_master").all();
    expect(after).toEqual(before);
  });

  test("another schema revision is refused and left untouched", async () => {
    const database = await fresh("sqlite");
    const first = await open(database);
    await prepareDatabase(first);
    await first.close();
    const raw = new Database(sqlitePath(database));
    raw.exec("UPDATE alembic_version SET version_num = '37f288994c47'");
    raw.close();

    const second = await open(database);
    const attempt = prepareDatabase(second);
    await expect(attempt).rejects.toBeInstanceOf(DatabaseStateError);
    await expect(attempt).rejects.toThrow(/37f288994c47/);
    await second.close();
    expect(await bookkeeping(database)).toEqual({ versions: ["37f288994c47"], names: PEEWEE_MIGRATIONS });
  });

  test("a database of some other application is refused", async () => {
    const database = await fresh("sqlite");
    const raw = new Database(sqlitePath(database), { create: true });
    raw.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    raw.close();
    const db = await open(database);
    await expect(prepareDatabase(db)).rejects.toThrow(/no Open WebUI migration bookkeeping/);
    await db.close();
  });

  test("a missing peewee migration row is refused", async () => {
    const database = await fresh("sqlite");
    const first = await open(database);
    await prepareDatabase(first);
    await first.close();
    const raw = new Database(sqlitePath(database));
    raw.exec("DELETE FROM migratehistory WHERE name = '012_add_tools'");
    raw.close();
    const db = await open(database);
    await expect(prepareDatabase(db)).rejects.toThrow(/012_add_tools/);
    await db.close();
  });
});

describe.skipIf(!postgresAvailable)("postgres", () => {
  test("a fresh database gets exactly the schema the Python backend creates", async () => {
    const ours = await fresh("postgres");
    const db = await open(ours);
    expect(await prepareDatabase(db)).toBe("created");
    await db.close();

    const python = await fresh("postgres");
    const client = postgres(python.url, { max: 1, onnotice: () => {} });
    await client.unsafe(pythonPostgresDdl);
    await client.end();

    const [mine, theirs] = await Promise.all([introspectPostgres(ours.url), introspectPostgres(python.url)]);
    expect(mine).toEqual(theirs);
    expect(mine.tables.user?.constraints).toEqual([]);
    expect(Object.keys(mine.tables)).toContain("chatidtag");
    expect(Object.keys(mine.tables).length).toBeGreaterThan(25);
  });

  test("the migration bookkeeping says there is nothing left to migrate", async () => {
    const ours = await fresh("postgres");
    const db = await open(ours);
    await prepareDatabase(db);
    await db.close();
    expect(await bookkeeping(ours)).toEqual({ versions: [ALEMBIC_HEAD], names: PEEWEE_MIGRATIONS });
  });

  test("two instances starting on one empty database create it once", async () => {
    const database = await fresh("postgres");
    const a = await open(database);
    const b = await open(database);
    const results = await Promise.all([prepareDatabase(a), prepareDatabase(b)]);
    await Promise.all([a.close(), b.close()]);
    expect(results.sort()).toEqual(["attached", "created"]);
    expect((await bookkeeping(database)).names).toHaveLength(PEEWEE_MIGRATIONS.length);
  });

  test("an existing database is attached without DDL, another revision refused", async () => {
    const database = await fresh("postgres");
    const first = await open(database);
    await prepareDatabase(first);
    await first.close();
    const before = await introspectPostgres(database.url);
    const second = await open(database);
    expect(await prepareDatabase(second)).toBe("attached");
    await second.close();
    expect(await introspectPostgres(database.url)).toEqual(before);

    const client = postgres(database.url, { max: 1, onnotice: () => {} });
    await client`UPDATE alembic_version SET version_num = 'ffffffffffff'`;
    await client.end();
    const third = await open(database);
    await expect(prepareDatabase(third)).rejects.toThrow(/ffffffffffff/);
    await third.close();
  });
});
