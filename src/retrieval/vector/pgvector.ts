// pgvector (VECTOR_DB=pgvector): the `document_chunk` table exactly as Open WebUI's pgvector
// client creates it, so both backends read each other's chunks. Vectors are padded or cut to
// PGVECTOR_INITIALIZE_MAX_VECTOR_LENGTH like the reference.
import type { Sql } from "postgres";
import { flattenMetadata, queryTerms, type Metadata, type ScoredChunk, type StoredChunk, type VectorItem, type VectorStore } from "./types";

export interface PgvectorOptions {
  url: string;
  dimension: number;
  createExtension: boolean;
  poolSize?: number;
}

type Row = { id: string; text: string | null; vmetadata: Metadata | null };

export class PgvectorStore implements VectorStore {
  readonly kind = "pgvector" as const;
  private sql: Sql | undefined;
  private ready: Promise<void>;

  constructor(private readonly options: PgvectorOptions) {
    this.ready = this.initialize();
    this.ready.catch(() => {});
  }

  /** Creates the extension, table and indexes when missing; refuses a table of another dimension. */
  private async initialize(): Promise<void> {
    // postgres.js is loaded only when this store is used.
    const { default: postgres } = await import("postgres");
    const sql = (this.sql = postgres(this.options.url, { max: this.options.poolSize ?? 5, onnotice: () => {} }));
    if (this.options.createExtension) {
      await sql.unsafe(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') THEN
          CREATE EXTENSION IF NOT EXISTS vector;
        END IF; END $$;`);
    }
    const [column] = await sql<{ typmod: number }[]>`
      SELECT a.atttypmod AS typmod FROM pg_attribute a
       WHERE a.attrelid = to_regclass('document_chunk') AND a.attname = 'vector' AND NOT a.attisdropped`;
    if (column && column.typmod !== this.options.dimension) {
      throw new Error(
        `PGVECTOR_INITIALIZE_MAX_VECTOR_LENGTH ${this.options.dimension} does not match the existing vector column dimension ${column.typmod}`,
      );
    }
    await sql.unsafe(`CREATE TABLE IF NOT EXISTS document_chunk (
      id TEXT NOT NULL PRIMARY KEY,
      vector vector(${this.options.dimension}),
      collection_name TEXT NOT NULL,
      text TEXT,
      vmetadata JSONB
    )`);
    await sql.unsafe(
      "CREATE INDEX IF NOT EXISTS idx_document_chunk_vector ON document_chunk USING ivfflat (vector vector_cosine_ops) WITH (lists = 100)",
    );
    await sql.unsafe("CREATE INDEX IF NOT EXISTS idx_document_chunk_collection_name ON document_chunk (collection_name)");
  }

  private async db(): Promise<Sql> {
    await this.ready;
    return this.sql as Sql;
  }

  private literal(vector: number[]): string {
    const size = this.options.dimension;
    const fitted = vector.length >= size ? vector.slice(0, size) : [...vector, ...new Array(size - vector.length).fill(0)];
    return `[${fitted.map((v) => (Number.isFinite(v) ? v : 0)).join(",")}]`;
  }

  async hasCollection(collection: string): Promise<boolean> {
    const sql = await this.db();
    const rows = await sql`SELECT 1 FROM document_chunk WHERE collection_name = ${collection} LIMIT 1`;
    return rows.length > 0;
  }

  async deleteCollection(collection: string): Promise<void> {
    const sql = await this.db();
    await sql`DELETE FROM document_chunk WHERE collection_name = ${collection}`;
  }

  async insert(collection: string, items: VectorItem[]): Promise<void> {
    await this.write(collection, items, false);
  }

  async upsert(collection: string, items: VectorItem[]): Promise<void> {
    await this.write(collection, items, true);
  }

  private async write(collection: string, items: VectorItem[], replace: boolean) {
    if (items.length === 0) return;
    const sql = await this.db();
    const rows = items.map((item) => ({
      id: item.id,
      vector: item.vector && item.vector.length > 0 ? this.literal(item.vector) : null,
      collection_name: collection,
      text: item.text,
      vmetadata: flattenMetadata(item.metadata),
    }));
    await sql.begin(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) {
        const batch = rows.slice(i, i + 500);
        const ids = batch.map((r) => r.id);
        const vectors = batch.map((r) => r.vector);
        const texts = batch.map((r) => r.text);
        const metas = batch.map((r) => JSON.stringify(r.vmetadata));
        const conflict = replace
          ? tx`ON CONFLICT (id) DO UPDATE SET vector = EXCLUDED.vector, collection_name = EXCLUDED.collection_name, text = EXCLUDED.text, vmetadata = EXCLUDED.vmetadata`
          : tx`ON CONFLICT (id) DO NOTHING`;
        await tx`
          INSERT INTO document_chunk (id, vector, collection_name, text, vmetadata)
          SELECT u.id, u.vector::vector, ${collection}, u.text, u.meta::jsonb
            FROM unnest(${ids}::text[], ${vectors}::text[], ${texts}::text[], ${metas}::text[]) AS u(id, vector, text, meta)
          ${conflict}`;
      }
    });
  }

  async search(collection: string, vector: number[], limit: number): Promise<ScoredChunk[]> {
    if (limit <= 0) return [];
    const sql = await this.db();
    // "+ 0" keeps the planner off the ivfflat index: an approximate scan with one probe can
    // miss a collection's chunks entirely, while the collection index plus a sort is exact.
    const rows = await sql<(Row & { distance: number })[]>`
      SELECT id, text, vmetadata, (vector <=> ${this.literal(vector)}::vector) + 0 AS distance
        FROM document_chunk
       WHERE collection_name = ${collection} AND vector IS NOT NULL
       ORDER BY distance LIMIT ${limit}`;
    return rows.map((row) => ({ ...fromRow(row), score: (2 - Number(row.distance)) / 2 }));
  }

  async textSearch(collection: string, query: string, limit: number): Promise<ScoredChunk[]> {
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0) return [];
    const sql = await this.db();
    const tsquery = terms.join(" | ");
    const rows = await sql<(Row & { rank: number })[]>`
      SELECT id, text, vmetadata, ts_rank_cd(to_tsvector('simple', coalesce(text, '')), q) AS rank
        FROM document_chunk, to_tsquery('simple', ${tsquery}) AS q
       WHERE collection_name = ${collection} AND to_tsvector('simple', coalesce(text, '')) @@ q
       ORDER BY rank DESC LIMIT ${limit}`;
    const best = Number(rows[0]?.rank ?? 0);
    return rows.map((row) => ({ ...fromRow(row), score: best > 0 ? Number(row.rank) / best : 0 }));
  }

  async query(collection: string, filter: Record<string, string | number>, limit?: number): Promise<StoredChunk[]> {
    const sql = await this.db();
    let where = sql`collection_name = ${collection}`;
    for (const [key, value] of Object.entries(filter)) where = sql`${where} AND vmetadata->>${key} = ${String(value)}`;
    const rows = limit
      ? await sql<Row[]>`SELECT id, text, vmetadata FROM document_chunk WHERE ${where} LIMIT ${limit}`
      : await sql<Row[]>`SELECT id, text, vmetadata FROM document_chunk WHERE ${where}`;
    return rows.map(fromRow);
  }

  async get(collection: string, limit?: number): Promise<StoredChunk[]> {
    return this.query(collection, {}, limit);
  }

  async vectors(collection: string, ids: string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (ids.length === 0) return out;
    const sql = await this.db();
    const rows = await sql<{ id: string; vector: string }[]>`
      SELECT id, vector::text AS vector FROM document_chunk
       WHERE collection_name = ${collection} AND id = ANY(${ids}::text[]) AND vector IS NOT NULL`;
    for (const row of rows) out.set(row.id, JSON.parse(row.vector));
    return out;
  }

  async delete(collection: string, selector: { ids?: string[]; filter?: Record<string, string | number> }): Promise<void> {
    const sql = await this.db();
    let where = sql`collection_name = ${collection}`;
    if (selector.ids) where = sql`${where} AND id = ANY(${selector.ids}::text[])`;
    for (const [key, value] of Object.entries(selector.filter ?? {})) {
      where = sql`${where} AND vmetadata->>${key} = ${String(value)}`;
    }
    await sql`DELETE FROM document_chunk WHERE ${where}`;
  }

  async reset(): Promise<void> {
    const sql = await this.db();
    await sql`DELETE FROM document_chunk`;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => {});
    await this.sql?.end({ timeout: 5 });
  }
}

function fromRow(row: Row): StoredChunk {
  let metadata = row.vmetadata ?? {};
  if (typeof metadata === "string") {
    try {
      metadata = JSON.parse(metadata);
    } catch {
      metadata = {};
    }
  }
  return { id: row.id, text: row.text ?? "", metadata };
}
