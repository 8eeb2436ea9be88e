// Reranking of hybrid-search candidates (RAG_RERANKING_ENGINE / RAG_RERANKING_MODEL). Only the
// "external" engine runs: a rerank API (Cohere/Jina style POST {model, query, documents, top_n}
// answering {results: [{index, relevance_score}]}). The local engines (sentence-transformers
// cross-encoders, ColBERT) are not run; hybrid search then keeps its cosine re-scoring.
import type { AppContext } from "../context";
import { readUpstreamSettings, redact, upstreamFetch, userInfoHeaders } from "../core/upstream";
import type { UserRow } from "../users/repository";

export interface Reranker {
  model: string;
  /** One relevance score per document, in the documents' order; null when the reranker failed. */
  score(query: string, documents: string[], user: UserRow | null): Promise<number[] | null>;
}

/** The reference's own request library has no limit; ours falls back to one minute. */
const DEFAULT_TIMEOUT_MS = 60_000;

const reportedUnrun = new WeakMap<AppContext, Set<string>>();

/** The reranker hybrid search should use now, or null (no model, a local engine, or bypass mode). */
export function resolveReranker(ctx: AppContext): Reranker | null {
  const model = ctx.config.get("RAG_RERANKING_MODEL");
  if (!model || ctx.config.get("BYPASS_EMBEDDING_AND_RETRIEVAL")) return null;
  const engine = ctx.config.get("RAG_RERANKING_ENGINE");
  // Open WebUI picks ColBERT by model name whatever the engine says.
  if (engine !== "external" || model.includes("jinaai/jina-colbert-v2")) {
    reportUnrun(ctx, engine, model);
    return null;
  }
  return externalReranker(ctx, model);
}

function reportUnrun(ctx: AppContext, engine: string, model: string): void {
  const key = `${engine}\u0000${model}`;
  let seen = reportedUnrun.get(ctx);
  if (!seen) reportedUnrun.set(ctx, (seen = new Set()));
  if (seen.has(key)) return;
  seen.add(key);
  ctx.log.warn(
    `reranking model "${model}" (engine "${engine || "sentence-transformers"}") is not run here; ` +
      `hybrid search ranks by cosine similarity instead (use RAG_RERANKING_ENGINE=external for a rerank API)`,
  );
}

function externalReranker(ctx: AppContext, model: string): Reranker {
  return {
    model,
    async score(query, documents, user) {
      const url = ctx.config.get("RAG_EXTERNAL_RERANKER_URL");
      if (!url) {
        ctx.log.warn("external reranking skipped: RAG_EXTERNAL_RERANKER_URL is empty");
        return null;
      }
      try {
        return await callReranker(ctx, url, model, query, documents, user);
      } catch (error) {
        ctx.log.warn(`external reranking at ${redact(url)} failed: ${(error as Error).message}`);
        return null;
      }
    },
  };
}

async function callReranker(
  ctx: AppContext,
  url: string,
  model: string,
  query: string,
  documents: string[],
  user: UserRow | null,
): Promise<number[] | null> {
  const settings = readUpstreamSettings(ctx.env.raw);
  const response = await upstreamFetch(
    url,
    {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Bearer ${ctx.config.get("RAG_EXTERNAL_RERANKER_API_KEY")}`,
        ...userInfoHeaders(settings, user),
      },
      body: JSON.stringify({ model, query, documents, top_n: documents.length }),
    },
    settings.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  if (!response.ok) throw new Error(`the reranker answered ${response.status}`);
  const data = (await response.json().catch(() => null)) as { results?: unknown } | null;
  if (!data || !Array.isArray(data.results)) throw new Error("no results in the reranker's answer");
  return scoresByIndex(data.results, documents.length);
}

/** The results may come in any order (usually best first); they are matched back by index. */
function scoresByIndex(results: unknown[], count: number): number[] {
  const scores = new Array<number | undefined>(count);
  for (const result of results) {
    const { index, relevance_score: score } = (result ?? {}) as { index?: unknown; relevance_score?: unknown };
    if (typeof index !== "number" || typeof score !== "number" || index < 0 || index >= count) {
      throw new Error("a result without a valid index and relevance_score");
    }
    scores[index] = score;
  }
  if (scores.some((s) => s === undefined)) throw new Error("the reranker did not score every document");
  return scores as number[];
}
