// A dialect-neutral description of a live schema: tables, columns, keys and indexes.
import { Database } from "bun:sqlite";
import postgres from "postgres";

export interface SchemaShape {
  tables: Record<string, { columns: string[]; constraints: string[]; indexes: string[] }>;
}

export function introspectSqlite(path: string): SchemaShape {
  const db = new Database(path, { readonly: true });
  try {
    const shape: SchemaShape = { tables: {} };
    const tables = db
      .query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[];
    for (const { name } of tables) {
      const columns = (db.query(`PRAGMA table_info("${name}")`).all() as any[]).map(
        (c) => `${c.name} ${c.type} ${c.notnull ? "NOT NULL" : "NULL"} default=${normalizeDefault(c.dflt_value)} pk=${c.pk}`,
      );
      const indexes = (db.query(`PRAGMA index_list("${name}")`).all() as any[]).map((index) => {
        const cols = (db.query(`PRAGMA index_info("${index.name}")`).all() as any[]).map((c) => c.name).join(",");
        const label = index.origin === "c" ? index.name : `(${index.origin})`;
        return `${label} ${index.unique ? "UNIQUE" : ""} (${cols})`;
      });
      const foreignKeys = (db.query(`PRAGMA foreign_key_list("${name}")`).all() as any[]).map(
        (f) => `FK ${f.from} -> ${f.table}(${f.to}) ON DELETE ${f.on_delete}`,
      );
      shape.tables[name] = { columns: columns.sort(), constraints: foreignKeys.sort(), indexes: indexes.sort() };
    }
    return shape;
  } finally {
    db.close();
  }
}

function normalizeDefault(value: string | null): string {
  if (value === null) return "none";
  return value.replace(/^\((.*)\)$/, "$1");
}

export async function introspectPostgres(url: string): Promise<SchemaShape> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const shape: SchemaShape = { tables: {} };
    const columns = await sql`
      SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`;
    for (const c of columns) {
      const table = (shape.tables[c.table_name] ??= { columns: [], constraints: [], indexes: [] });
      const length = c.character_maximum_length ? `(${c.character_maximum_length})` : "";
      table.columns.push(
        `${c.column_name} ${c.data_type}${length} ${c.is_nullable === "NO" ? "NOT NULL" : "NULL"} default=${c.column_default ?? "none"}`,
      );
    }
    const constraints = await sql`
      SELECT con.conrelid::regclass::text AS table_name, con.conname, pg_get_constraintdef(con.oid) AS def
      FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
      WHERE n.nspname = 'public' ORDER BY 1, 2`;
    for (const c of constraints) {
      const name = String(c.table_name).replace(/^"|"$/g, "");
      shape.tables[name]?.constraints.push(`${c.conname} ${c.def}`);
    }
    const indexes = await sql`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2`;
    for (const i of indexes) {
      shape.tables[i.tablename]?.indexes.push(String(i.indexdef).replace(/public\./g, ""));
    }
    const sequences = await sql`SELECT sequencename, data_type, start_value, increment_by FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`;
    shape.tables["(sequences)"] = {
      columns: sequences.map((s) => `${s.sequencename} ${s.data_type} ${s.start_value} ${s.increment_by}`),
      constraints: [],
      indexes: [],
    };
    return shape;
  } finally {
    await sql.end();
  }
}
