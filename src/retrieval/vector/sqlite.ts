// The embedded vector store: its own SQLite file under DATA_DIR/vector_db (never Open WebUI's
// database). Vectors are unit-length float32 blobs searched by brute force (cosine = dot
// product); text is indexed with FTS5, whose bm25() ranks the full-text fallback.
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { flattenMetadata, queryTerms, type Metadata, type ScoredChunk, type StoredChunk, type VectorItem, type VectorStore } from "./types";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chunk (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  collection TEXT NOT NULL,
  text TEXT NOT NULL,
  metadata TEXT NOT NULL,
  vector BLOB
);
CREATE INDEX IF NOT EXISTS chunk_collection ON chunk (collection, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_text USING fts5(
  text, content='chunk', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunk_text_insert AFTER INSERT ON chunk BEGIN
  INSERT INTO chunk_text (rowid, text) VALUES (new.seq, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunk_text_delete AFTER DELETE ON chunk BEGIN
  INSERT INTO chunk_text (chunk_text, rowid, text) VALUES ('delete', old.seq, old.text);
END;
CREATE TRIGGER IF NOT EXISTS chunk_text_update AFTER UPDATE OF text ON chunk BEGIN
  INSERT INTO chunk_text (chunk_text, rowid, text) VALUES ('delete', old.seq, old.text);
  INSERT INTO chunk_text (rowid, text) VALUES (new.seq, new.text);
END;
`;

type Row = { id: string; text: string; metadata: string };

/** A collection's vectors in one contiguous block, for scans without per-row allocations. */
interface Matrix {
  seqs: Float64Array;
  dims: number;
  values: Float32Array;
  bytes: number;
}

export class SqliteVectorStore implements VectorStore {
  readonly kind = "sqlite" as const;
  private db: Database;
  private statements = new Map<string, Statement>();
  /** Most recently used last; dropped on any write, or when another connection changed the file. */
  private matrices = new Map<string, Matrix>();
  private cachedBytes = 0;
  private dataVersion = -1;

  constructor(
    path: string,
    private readonly cacheBytes = 256 * 1024 * 1024,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { create: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.db.exec(SCHEMA);
  }

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  async hasCollection(collection: string): Promise<boolean> {
    return this.sql("SELECT 1 FROM chunk WHERE collection = ? LIMIT 1").get(collection) != null;
  }

  async deleteCollection(collection: string): Promise<void> {
    this.forget(collection);
    this.sql("DELETE FROM chunk WHERE collection = ?").run(collection);
  }

  async insert(collection: string, items: VectorItem[]): Promise<void> {
    this.write(collection, items, "INSERT OR IGNORE");
  }

  async upsert(collection: string, items: VectorItem[]): Promise<void> {
    this.write(collection, items, "INSERT OR REPLACE");
  }

  private write(collection: string, items: VectorItem[], verb: string) {
    this.forget(collection);
    if (verb === "INSERT OR REPLACE") this.forgetAll();
    const insert = this.sql(`${verb} INTO chunk (id, collection, text, metadata, vector) VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const item of items) {
        insert.run(item.id, collection, item.text, JSON.stringify(flattenMetadata(item.metadata)), toBlob(item.vector));
      }
    })();
  }

  async search(collection: string, vector: number[], limit: number): Promise<ScoredChunk[]> {
    if (limit <= 0) return [];
    const query = normalize(Float32Array.from(vector));
    const matrix = this.matrix(collection, query.length);
    const top: { seq: number; score: number }[] = [];
    const { values, dims, seqs } = matrix;
    for (let row = 0; row < seqs.length; row++) {
      let dot = 0;
      const base = row * dims;
      for (let i = 0; i < dims; i++) dot += (values[base + i] as number) * (query[i] as number);
      if (top.length < limit || dot > (top[top.length - 1] as { score: number }).score) {
        let at = top.length;
        while (at > 0 && (top[at - 1] as { score: number }).score < dot) at--;
        top.splice(at, 0, { seq: seqs[row] as number, score: dot });
        if (top.length > limit) top.pop();
      }
    }
    const fetch = this.sql("SELECT id, text, metadata FROM chunk WHERE seq = ?");
    return top.map(({ seq, score }) => {
      const row = fetch.get(seq) as Row;
      // Open WebUI reports cosine similarity mapped to [0, 1].
      return { ...fromRow(row), score: (1 + score) / 2 };
    });
  }

  /** The collection's vectors of this dimension, from the cache or read once. */
  private matrix(collection: string, dims: number): Matrix {
    const version = (this.sql("PRAGMA data_version").get() as { data_version: number }).data_version;
    if (version !== this.dataVersion) {
      this.forgetAll();
      this.dataVersion = version;
    }
    const key = `${dims}:${collection}`;
    const cached = this.matrices.get(key);
    if (cached) {
      this.matrices.delete(key);
      this.matrices.set(key, cached);
      return cached;
    }
    const rows = this.sql("SELECT seq, vector FROM chunk WHERE collection = ? AND vector IS NOT NULL ORDER BY seq").values(collection) as [
      number,
      Uint8Array,
    ][];
    const kept = rows.filter(([, blob]) => blob.byteLength === dims * 4);
    const values = new Float32Array(kept.length * dims);
    const seqs = new Float64Array(kept.length);
    kept.forEach(([seq, blob], row) => {
      seqs[row] = seq;
      values.set(asFloats(blob), row * dims);
    });
    const matrix = { seqs, dims, values, bytes: values.byteLength + seqs.byteLength };
    if (matrix.bytes <= this.cacheBytes) {
      this.matrices.set(key, matrix);
      this.cachedBytes += matrix.bytes;
      for (const [oldKey, old] of this.matrices) {
        if (this.cachedBytes <= this.cacheBytes) break;
        this.matrices.delete(oldKey);
        this.cachedBytes -= old.bytes;
      }
    }
    return matrix;
  }

  private forget(collection: string) {
    for (const [key, matrix] of this.matrices) {
      if (key.slice(key.indexOf(":") + 1) === collection) {
        this.matrices.delete(key);
        this.cachedBytes -= matrix.bytes;
      }
    }
  }

  private forgetAll() {
    this.matrices.clear();
    this.cachedBytes = 0;
  }

  async textSearch(collection: string, query: string, limit: number): Promise<ScoredChunk[]> {
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0) return [];
    const match = terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(" OR ");
    const rows = this.sql(
      `SELECT c.id, c.text, c.metadata, -bm25(chunk_text) AS rank
         FROM chunk_text JOIN chunk c ON c.seq = chunk_text.rowid
        WHERE chunk_text MATCH ? AND c.collection = ?
        ORDER BY rank DESC LIMIT ?`,
    ).all(match, collection, limit) as (Row & { rank: number })[];
    const best = rows[0]?.rank ?? 0;
    return rows.map((row) => ({ ...fromRow(row), score: best > 0 ? row.rank / best : 0 }));
  }

  async query(collection: string, filter: Record<string, string | number>, limit?: number): Promise<StoredChunk[]> {
    const keys = Object.keys(filter);
    const where = keys.map(() => "CAST(json_extract(metadata, ?) AS TEXT) = ?").join(" AND ");
    const params: (string | number)[] = [collection];
    for (const key of keys) params.push(`$."${key.replaceAll('"', "")}"`, String(filter[key]));
    const sql = `SELECT id, text, metadata FROM chunk WHERE collection = ?${where ? ` AND ${where}` : ""} ORDER BY seq${limit ? " LIMIT ?" : ""}`;
    if (limit) params.push(limit);
    return (this.db.prepare(sql).all(...params) as Row[]).map(fromRow);
  }

  async get(collection: string, limit?: number): Promise<StoredChunk[]> {
    const rows = limit
      ? this.sql("SELECT id, text, metadata FROM chunk WHERE collection = ? ORDER BY seq LIMIT ?").all(collection, limit)
      : this.sql("SELECT id, text, metadata FROM chunk WHERE collection = ? ORDER BY seq").all(collection);
    return (rows as Row[]).map(fromRow);
  }

  async vectors(collection: string, ids: string[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    const read = this.sql("SELECT vector FROM chunk WHERE collection = ? AND id = ? AND vector IS NOT NULL");
    for (const id of ids) {
      const row = read.get(collection, id) as { vector: Uint8Array } | null;
      if (row) out.set(id, Array.from(asFloats(row.vector)));
    }
    return out;
  }

  async delete(collection: string, selector: { ids?: string[]; filter?: Record<string, string | number> }): Promise<void> {
    const doomed = selector.filter ? (await this.query(collection, selector.filter)).map((c) => c.id) : null;
    let ids = selector.ids ?? doomed;
    if (selector.ids && doomed) ids = selector.ids.filter((id) => doomed.includes(id));
    if (!ids) return this.deleteCollection(collection);
    this.forget(collection);
    const remove = this.sql("DELETE FROM chunk WHERE collection = ? AND id = ?");
    this.db.transaction(() => {
      for (const id of ids) remove.run(collection, id);
    })();
  }

  async reset(): Promise<void> {
    this.forgetAll();
    this.db.exec("DELETE FROM chunk");
  }

  async close(): Promise<void> {
    for (const statement of this.statements.values()) statement.finalize();
    this.statements.clear();
    this.db.close();
  }
}

function fromRow(row: Row): StoredChunk {
  let metadata: Metadata = {};
  try {
    metadata = JSON.parse(row.metadata) ?? {};
  } catch {}
  return { id: row.id, text: row.text, metadata };
}

function normalize(values: Float32Array): Float32Array {
  let norm = 0;
  for (const v of values) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) / norm;
  return values;
}

function toBlob(vector: number[] | null): Uint8Array | null {
  if (!vector || vector.length === 0) return null;
  const floats = normalize(Float32Array.from(vector));
  return new Uint8Array(floats.buffer);
}

function asFloats(blob: Uint8Array): Float32Array {
  if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  return new Float32Array(blob.slice().buffer);
}
