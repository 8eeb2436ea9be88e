// Querying collections: vector search, hybrid search (full-text + vector fused by weighted
// reciprocal rank, then scored by the external reranker when one is configured, else by cosine
// similarity, filtered by the relevance threshold), and full-text search alone when no embedding
// engine is usable or the engine fails.
import type { AppContext } from "../context";
import type { UserRow } from "../users/repository";
import { resolveEmbedder, type Embedder } from "./embeddings";
import { sha256 } from "./ingest";
import { resolveReranker } from "./reranking";
import { retrieval } from "./services";
import { cosineSimilarity, type Metadata, type ScoredChunk } from "./vector/types";

export interface QueryResult {
  ids?: string[][];
  distances: number[][];
  documents: string[][];
  metadatas: Metadata[][];
}

export interface QueryOptions {
  k: number;
  hybrid: boolean;
  kReranker: number;
  relevanceThreshold: number;
  bm25Weight: number;
}

/** RAG settings with a request's overrides (a falsy override keeps the setting, like Open WebUI). */
export function queryOptions(
  ctx: AppContext,
  form: { k?: number | null; k_reranker?: number | null; r?: number | null; hybrid?: boolean | null; hybrid_bm25_weight?: number | null } = {},
): QueryOptions {
  return {
    k: form.k || Number(ctx.config.get("TOP_K")),
    hybrid: Boolean(ctx.config.get("ENABLE_RAG_HYBRID_SEARCH")) && form.hybrid !== false,
    kReranker: form.k_reranker || Number(ctx.config.get("TOP_K_RERANKER")),
    relevanceThreshold: form.r || Number(ctx.config.get("RELEVANCE_THRESHOLD")),
    bm25Weight: form.hybrid_bm25_weight || Number(ctx.config.get("HYBRID_BM25_WEIGHT")),
  };
}

/** One collection, one query: Open WebUI's query_doc (with ids) or its hybrid variant. */
export async function queryDocument(
  ctx: AppContext,
  user: UserRow,
  collection: string,
  query: string,
  options: QueryOptions,
): Promise<QueryResult> {
  const embedder = await resolveEmbedder(ctx);
  const hits = await searchOne(ctx, user, embedder, collection, query, null, options);
  const result = toResult(hits);
  return options.hybrid ? result : { ids: [hits.map((h) => h.id)], ...result };
}

/** Several collections and queries, merged: the best `k` distinct texts. */
export async function queryCollections(
  ctx: AppContext,
  user: UserRow | null,
  collections: string[],
  queries: string[],
  options: QueryOptions,
): Promise<QueryResult> {
  const embedder = await resolveEmbedder(ctx);
  let vectors: (number[] | null)[] = queries.map(() => null);
  if (embedder && !(options.hybrid && options.bm25Weight >= 1)) {
    vectors = await embedder.embed(queries, "query", user).catch((error) => {
      ctx.log.warn(`query embedding failed, using full-text search: ${(error as Error).message}`);
      return queries.map(() => null);
    });
  }
  const lists: ScoredChunk[][] = [];
  for (const collection of collections.filter(Boolean)) {
    for (const [i, query] of queries.entries()) {
      const hits = await searchOne(ctx, user, embedder, collection, query, vectors[i] ?? null, options).catch((error) => {
        ctx.log.warn(`searching ${collection} failed: ${(error as Error).message}`);
        return [];
      });
      lists.push(hits);
    }
  }
  return mergeResults(lists, options.k);
}

/** Every chunk of the collections (full-context mode). */
export async function allChunks(ctx: AppContext, collections: string[]): Promise<QueryResult & { ids: string[][] }> {
  const { store } = retrieval(ctx);
  const ids: string[] = [];
  const documents: string[] = [];
  const metadatas: Metadata[] = [];
  for (const collection of collections.filter(Boolean)) {
    for (const chunk of await store.get(collection)) {
      ids.push(chunk.id);
      documents.push(chunk.text);
      metadatas.push(chunk.metadata);
    }
  }
  return { ids: [ids], documents: [documents], metadatas: [metadatas], distances: [] };
}

async function searchOne(
  ctx: AppContext,
  user: UserRow | null,
  embedder: Embedder | null,
  collection: string,
  query: string,
  vector: number[] | null,
  options: QueryOptions,
): Promise<ScoredChunk[]> {
  const { store } = retrieval(ctx);
  if (embedder && !vector && !(options.hybrid && options.bm25Weight >= 1)) {
    vector = (await embedder.embed([query], "query", user).catch(() => [null]))[0] ?? null;
  }
  if (!options.hybrid) {
    return vector ? store.search(collection, vector, options.k) : store.textSearch(collection, query, options.k);
  }
  const keyword = options.bm25Weight > 0 || !vector ? await store.textSearch(collection, query, options.k) : [];
  const semantic = vector && options.bm25Weight < 1 ? await store.search(collection, vector, options.k) : [];
  const fused = fuse(
    [keyword, semantic],
    [vector ? options.bm25Weight : 1, 1 - options.bm25Weight].map((w) => Math.min(1, Math.max(0, w))),
  );
  const reranked = await rerank(ctx, user, query, fused);
  const scored = reranked ?? (vector ? await rescore(ctx, user, embedder as Embedder, collection, vector, fused) : fused);
  let kept = scored;
  if (options.relevanceThreshold) kept = kept.filter((c) => c.score >= options.relevanceThreshold);
  kept = kept.sort((a, b) => b.score - a.score).slice(0, options.kReranker);
  if (options.k < options.kReranker) kept = kept.slice(0, options.k);
  return kept.map((c) => ({ ...c, metadata: { ...c.metadata, score: c.score } }));
}

/** Weighted reciprocal rank fusion (LangChain's EnsembleRetriever, c = 60), unique by text. */
function fuse(lists: ScoredChunk[][], weights: number[]): ScoredChunk[] {
  const byText = new Map<string, { chunk: ScoredChunk; score: number }>();
  lists.forEach((list, i) => {
    const weight = weights[i] ?? 0;
    if (weight <= 0) return;
    list.forEach((chunk, rank) => {
      const entry = byText.get(chunk.text) ?? { chunk, score: 0 };
      entry.score += weight / (rank + 1 + 60);
      byText.set(chunk.text, entry);
    });
  });
  return [...byText.values()].sort((a, b) => b.score - a.score).map((e) => ({ ...e.chunk, score: e.chunk.score }));
}

/**
 * The reranker's scores for the candidates; null without a reranker or when it fails. Open WebUI
 * means to keep the candidates then, so the search goes on with its cosine re-scoring.
 */
async function rerank(ctx: AppContext, user: UserRow | null, query: string, candidates: ScoredChunk[]): Promise<ScoredChunk[] | null> {
  const reranker = resolveReranker(ctx);
  if (!reranker || candidates.length === 0) return null;
  const scores = await reranker.score(query, candidates.map((c) => c.text), user);
  if (!scores) return null;
  return candidates.map((c, i) => ({ ...c, score: scores[i] as number }));
}

/** Cosine similarity of the query to each candidate, from stored vectors (embedded if missing). */
async function rescore(
  ctx: AppContext,
  user: UserRow | null,
  embedder: Embedder,
  collection: string,
  query: number[],
  candidates: ScoredChunk[],
): Promise<ScoredChunk[]> {
  if (candidates.length === 0) return [];
  const stored = await retrieval(ctx).store.vectors(collection, candidates.map((c) => c.id));
  const missing = candidates.filter((c) => !stored.has(c.id));
  if (missing.length > 0) {
    const fresh = await embedder.embed(missing.map((c) => c.text), "document", user).catch(() => []);
    missing.forEach((c, i) => fresh[i] && stored.set(c.id, fresh[i] as number[]));
  }
  return candidates.map((c) => {
    const vector = stored.get(c.id);
    return { ...c, score: vector ? cosineSimilarity(query, vector) : c.score };
  });
}

function toResult(hits: ScoredChunk[]): QueryResult {
  return {
    distances: [hits.map((h) => h.score)],
    documents: [hits.map((h) => h.text)],
    metadatas: [hits.map((h) => h.metadata)],
  };
}

/** merge_and_sort_query_results: distinct texts (best score wins), best first, top k. */
export function mergeResults(lists: ScoredChunk[][], k: number): QueryResult {
  const best = new Map<string, ScoredChunk>();
  for (const list of lists) {
    for (const hit of list) {
      const key = sha256(hit.text);
      const seen = best.get(key);
      if (!seen || hit.score > seen.score) best.set(key, hit);
    }
  }
  const top = [...best.values()].sort((a, b) => b.score - a.score).slice(0, k);
  return toResult(top);
}
