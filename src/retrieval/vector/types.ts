// One interface for the vector stores: the embedded SQLite store (default) and pgvector.
// Collections are plain names (`file-<id>`, a knowledge base id, web-search hashes…); a chunk
// may have no vector, when no embedding engine is usable, and is then found by full-text search.

export type Metadata = Record<string, unknown>;

export interface VectorItem {
  id: string;
  text: string;
  /** null when no embedding engine was usable at ingest time. */
  vector: number[] | null;
  metadata: Metadata;
}

export interface StoredChunk {
  id: string;
  text: string;
  metadata: Metadata;
}

export interface ScoredChunk extends StoredChunk {
  /** Relevance in [0, 1], higher is better (Open WebUI's `distances`). */
  score: number;
}

export interface VectorStore {
  readonly kind: "sqlite" | "pgvector";
  hasCollection(collection: string): Promise<boolean>;
  deleteCollection(collection: string): Promise<void>;
  insert(collection: string, items: VectorItem[]): Promise<void>;
  upsert(collection: string, items: VectorItem[]): Promise<void>;
  /** Nearest chunks by cosine similarity; chunks without a vector are skipped. */
  search(collection: string, vector: number[], limit: number): Promise<ScoredChunk[]>;
  /** Full-text ranked chunks (BM25 on SQLite, ts_rank on PostgreSQL). */
  textSearch(collection: string, query: string, limit: number): Promise<ScoredChunk[]>;
  /** Chunks whose metadata fields equal the given values (compared as text). */
  query(collection: string, filter: Record<string, string | number>, limit?: number): Promise<StoredChunk[]>;
  /** Every chunk of a collection, in insertion order. */
  get(collection: string, limit?: number): Promise<StoredChunk[]>;
  /** Stored vectors of some chunks (for re-scoring hybrid results without re-embedding). */
  vectors(collection: string, ids: string[]): Promise<Map<string, number[]>>;
  delete(collection: string, selector: { ids?: string[]; filter?: Record<string, string | number> }): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Large loader fields never stored with a chunk (Open WebUI's KEYS_TO_EXCLUDE). */
const EXCLUDED_KEYS = new Set(["content", "pages", "tables", "paragraphs", "sections", "figures"]);

/** Metadata as both stores keep it: flat, with nested values written as JSON text. */
export function flattenMetadata(metadata: Metadata): Metadata {
  const out: Metadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (EXCLUDED_KEYS.has(key) || value === undefined) continue;
    out[key] = value !== null && typeof value === "object" ? JSON.stringify(value) : value;
  }
  return out;
}

/** Words of a free-text query, for the full-text engines (no operators, no punctuation). */
export function queryTerms(query: string, max = 64): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return [...new Set(words)].slice(0, max);
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
