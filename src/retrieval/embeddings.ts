// Embedding engines, as RAG_EMBEDDING_ENGINE names them: "openai", "ollama", "azure_openai", and
// "" (local) which runs a sentence-transformers model from disk through transformers.js when
// that library and the model are present. With no usable engine, chunks are stored without
// vectors and retrieval falls back to full-text search.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AppContext } from "../context";
import { parseBool } from "../core/env";
import type { UserRow } from "../users/repository";

export type EmbedPurpose = "query" | "document";

export interface Embedder {
  engine: string;
  model: string;
  embed(texts: string[], purpose: EmbedPurpose, user?: UserRow | null): Promise<number[][]>;
}

export class EmbeddingError extends Error {}

const TIMEOUT_MS = 60_000;

/** The configured engine, or null when none is usable (the default local engine without a model). */
export async function resolveEmbedder(ctx: AppContext): Promise<Embedder | null> {
  const engine = ctx.config.get("RAG_EMBEDDING_ENGINE");
  const model = ctx.config.get("RAG_EMBEDDING_MODEL");
  if (engine === "openai" || engine === "ollama" || engine === "azure_openai") return remoteEmbedder(ctx, engine, model);
  if (engine === "") return localEmbedder(ctx, model);
  return null;
}

function remoteEmbedder(ctx: AppContext, engine: "openai" | "ollama" | "azure_openai", model: string): Embedder {
  const batchSize = Math.max(1, Number(ctx.config.get("RAG_EMBEDDING_BATCH_SIZE")) || 1);
  const prefixes = embeddingPrefixes(ctx);
  return {
    engine,
    model,
    async embed(texts, purpose, user) {
      const prefix = purpose === "query" ? prefixes.query : prefixes.content;
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize);
        out.push(...(await callRemote(ctx, engine, model, batch, prefix, prefixes.field, user)));
      }
      return out;
    },
  };
}

function embeddingPrefixes(ctx: AppContext) {
  const raw = ctx.env.raw;
  return {
    query: raw.RAG_EMBEDDING_QUERY_PREFIX,
    content: raw.RAG_EMBEDDING_CONTENT_PREFIX,
    field: raw.RAG_EMBEDDING_PREFIX_FIELD_NAME,
  };
}

async function callRemote(
  ctx: AppContext,
  engine: "openai" | "ollama" | "azure_openai",
  model: string,
  texts: string[],
  prefix: string | undefined,
  prefixField: string | undefined,
  user?: UserRow | null,
): Promise<number[][]> {
  const input = prefix !== undefined && prefixField === undefined ? texts.map((t) => `${prefix}${t}`) : texts;
  const body: Record<string, unknown> = { input };
  if (prefix !== undefined && prefixField) body[prefixField] = prefix;
  const headers: Record<string, string> = { "content-type": "application/json", ...userHeaders(ctx, user) };
  let url: string;
  if (engine === "azure_openai") {
    const base = ctx.config.get("RAG_AZURE_OPENAI_BASE_URL").replace(/\/+$/, "");
    url = `${base}/openai/deployments/${encodeURIComponent(model)}/embeddings?api-version=${encodeURIComponent(ctx.config.get("RAG_AZURE_OPENAI_API_VERSION"))}`;
    headers["api-key"] = ctx.config.get("RAG_AZURE_OPENAI_API_KEY");
  } else if (engine === "openai") {
    url = `${ctx.config.get("RAG_OPENAI_API_BASE_URL").replace(/\/+$/, "")}/embeddings`;
    headers.authorization = `Bearer ${ctx.config.get("RAG_OPENAI_API_KEY")}`;
    body.model = model;
  } else {
    url = `${ctx.config.get("RAG_OLLAMA_BASE_URL").replace(/\/+$/, "")}/api/embed`;
    headers.authorization = `Bearer ${ctx.config.get("RAG_OLLAMA_API_KEY")}`;
    body.model = model;
  }
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new EmbeddingError(`The embedding service could not be reached (${(error as Error).message})`);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => "")).slice(0, 300);
    throw new EmbeddingError(`The embedding service answered ${response.status}${detail ? `: ${detail}` : ""}`);
  }
  const data = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  const vectors = engine === "ollama" ? data?.embeddings : (data?.data as { embedding?: unknown }[] | undefined)?.map((d) => d?.embedding);
  if (!Array.isArray(vectors) || vectors.length !== texts.length || !vectors.every(isVector)) {
    throw new EmbeddingError("The embedding service returned an unexpected answer");
  }
  return vectors as number[][];
}

function isVector(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number");
}

function userHeaders(ctx: AppContext, user?: UserRow | null): Record<string, string> {
  if (!user || !parseBool(ctx.env.raw, "ENABLE_FORWARD_USER_INFO_HEADERS", false)) return {};
  return {
    "X-OpenWebUI-User-Name": encodeURIComponent(user.name).replaceAll("%20", " "),
    "X-OpenWebUI-User-Id": user.id,
    "X-OpenWebUI-User-Email": user.email,
    "X-OpenWebUI-User-Role": user.role,
  };
}

// ---------------------------------------------------------------------------------------------
// Local engine

type Extractor = (texts: string[], options: Record<string, unknown>) => Promise<{ tolist(): number[][] }>;
const localModels = new Map<string, Promise<Extractor | null>>();

/** Where sentence-transformers keeps models: SENTENCE_TRANSFORMERS_HOME or DATA_DIR/cache/embedding/models. */
export function localModelDirectory(ctx: AppContext, model: string): string | null {
  if (!model) return null;
  if (existsSync(join(model, "config.json"))) return model;
  const home = ctx.env.raw.SENTENCE_TRANSFORMERS_HOME || join(ctx.env.dataDir, "cache", "embedding", "models");
  const repo = model.includes("/") ? model : `sentence-transformers/${model}`;
  const snapshots = join(home, `models--${repo.replaceAll("/", "--")}`, "snapshots");
  if (!existsSync(snapshots)) return null;
  for (const snapshot of readdirSync(snapshots)) {
    const dir = join(snapshots, snapshot);
    if (existsSync(join(dir, "tokenizer.json")) && existsSync(join(dir, "onnx"))) return dir;
  }
  return null;
}

async function localEmbedder(ctx: AppContext, model: string): Promise<Embedder | null> {
  const dir = localModelDirectory(ctx, model);
  if (!dir) return null;
  let loading = localModels.get(dir);
  if (!loading) {
    loading = loadExtractor(ctx, dir);
    localModels.set(dir, loading);
  }
  const extractor = await loading;
  if (!extractor) return null;
  const prefixes = embeddingPrefixes(ctx);
  return {
    engine: "",
    model,
    async embed(texts, purpose) {
      const prefix = purpose === "query" ? prefixes.query : prefixes.content;
      const input = prefix ? texts.map((t) => `${prefix}${t}`) : texts;
      const output = await extractor(input, { pooling: "mean", normalize: true });
      return output.tolist();
    },
  };
}

async function loadExtractor(ctx: AppContext, dir: string): Promise<Extractor | null> {
  // An optional dependency: the specifier is computed so bundling never requires it.
  const specifier = ["@huggingface", "transformers"].join("/");
  try {
    const lib = (await import(specifier)) as {
      env: Record<string, unknown>;
      pipeline: (task: string, model: string, options?: Record<string, unknown>) => Promise<Extractor>;
    };
    lib.env.allowRemoteModels = false;
    lib.env.allowLocalModels = true;
    lib.env.localModelPath = "";
    return await lib.pipeline("feature-extraction", dir, { local_files_only: true });
  } catch (error) {
    ctx.log.warn(`local embedding model at ${dir} could not be loaded; using full-text search`, error);
    return null;
  }
}
