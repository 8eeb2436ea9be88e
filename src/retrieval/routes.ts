// /api/v1/retrieval — the seventeen routes of Open WebUI's routers/retrieval.py.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Elysia, t, type TSchema } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import type { ConfigKey, ConfigValues } from "../core/config";
import { defaultError, ERROR_MESSAGES, HttpError, notFound } from "../core/errors";
import { UnsafeUrlError } from "../core/safe-fetch";
import { findAccessibleFile } from "../files/access";
import { findFile, findOwnFile } from "../files/repository";
import { processFilesBatch } from "../knowledge/batch";
import { deleteAllKnowledge } from "../knowledge/repository";
import type { UserRow } from "../users/repository";
import { canUseCollection, usableCollections } from "./access";
import { resolveEmbedder } from "./embeddings";
import { errorMessage, processFile, saveDocuments, sha256 } from "./ingest";
import { queryCollections, queryDocument, queryOptions } from "./search";
import { retrieval } from "./services";
import { loadWebPage, webSearch } from "./web";

const forbidden = () => new HttpError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);

/** Top-level keys of the config answer, by value type (the `web` block is separate). */
const RAG_STRING_KEYS = [
  "RAG_TEMPLATE", "CONTENT_EXTRACTION_ENGINE", "DATALAB_MARKER_API_KEY", "DATALAB_MARKER_API_BASE_URL",
  "DATALAB_MARKER_ADDITIONAL_CONFIG", "DATALAB_MARKER_OUTPUT_FORMAT", "EXTERNAL_DOCUMENT_LOADER_URL",
  "EXTERNAL_DOCUMENT_LOADER_API_KEY", "TIKA_SERVER_URL", "DOCLING_SERVER_URL", "DOCLING_OCR_ENGINE", "DOCLING_OCR_LANG",
  "DOCLING_PDF_BACKEND", "DOCLING_TABLE_MODE", "DOCLING_PIPELINE", "DOCLING_PICTURE_DESCRIPTION_MODE",
  "DOCUMENT_INTELLIGENCE_ENDPOINT", "DOCUMENT_INTELLIGENCE_KEY", "MISTRAL_OCR_API_KEY", "RAG_RERANKING_MODEL",
  "RAG_RERANKING_ENGINE", "RAG_EXTERNAL_RERANKER_URL", "RAG_EXTERNAL_RERANKER_API_KEY", "TEXT_SPLITTER",
] as const;
const RAG_BOOL_KEYS = [
  "BYPASS_EMBEDDING_AND_RETRIEVAL", "RAG_FULL_CONTEXT", "ENABLE_RAG_HYBRID_SEARCH", "PDF_EXTRACT_IMAGES",
  "DATALAB_MARKER_SKIP_CACHE", "DATALAB_MARKER_FORCE_OCR", "DATALAB_MARKER_PAGINATE", "DATALAB_MARKER_STRIP_EXISTING_OCR",
  "DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION", "DATALAB_MARKER_FORMAT_LINES", "DATALAB_MARKER_USE_LLM", "DOCLING_DO_OCR",
  "DOCLING_FORCE_OCR", "DOCLING_DO_PICTURE_DESCRIPTION", "ENABLE_GOOGLE_DRIVE_INTEGRATION", "ENABLE_ONEDRIVE_INTEGRATION",
] as const;
const RAG_INT_KEYS = ["TOP_K", "TOP_K_RERANKER", "CHUNK_SIZE", "CHUNK_OVERLAP"] as const;
const RAG_FLOAT_KEYS = ["RELEVANCE_THRESHOLD", "HYBRID_BM25_WEIGHT"] as const;
const RAG_OBJECT_KEYS = ["DOCLING_PICTURE_DESCRIPTION_LOCAL", "DOCLING_PICTURE_DESCRIPTION_API"] as const;
/** Set as sent, null included (null removes the limit). */
const RAG_NULLABLE_INT_KEYS = ["FILE_MAX_SIZE", "FILE_MAX_COUNT", "FILE_IMAGE_COMPRESSION_WIDTH", "FILE_IMAGE_COMPRESSION_HEIGHT"] as const;

const WEB_STRING_KEYS = [
  "WEB_SEARCH_ENGINE", "OLLAMA_CLOUD_WEB_SEARCH_API_KEY", "SEARXNG_QUERY_URL", "YACY_QUERY_URL", "YACY_USERNAME", "YACY_PASSWORD",
  "GOOGLE_PSE_API_KEY", "GOOGLE_PSE_ENGINE_ID", "BRAVE_SEARCH_API_KEY", "KAGI_SEARCH_API_KEY", "MOJEEK_SEARCH_API_KEY",
  "BOCHA_SEARCH_API_KEY", "SERPSTACK_API_KEY", "SERPER_API_KEY", "SERPLY_API_KEY", "TAVILY_API_KEY", "SEARCHAPI_API_KEY",
  "SEARCHAPI_ENGINE", "SERPAPI_API_KEY", "SERPAPI_ENGINE", "JINA_API_KEY", "BING_SEARCH_V7_ENDPOINT",
  "BING_SEARCH_V7_SUBSCRIPTION_KEY", "EXA_API_KEY", "PERPLEXITY_API_KEY", "PERPLEXITY_MODEL", "PERPLEXITY_SEARCH_CONTEXT_USAGE",
  "SOUGOU_API_SID", "SOUGOU_API_SK", "WEB_LOADER_ENGINE", "PLAYWRIGHT_WS_URL", "FIRECRAWL_API_KEY", "FIRECRAWL_API_BASE_URL",
  "TAVILY_EXTRACT_DEPTH", "EXTERNAL_WEB_SEARCH_URL", "EXTERNAL_WEB_SEARCH_API_KEY", "EXTERNAL_WEB_LOADER_URL",
  "EXTERNAL_WEB_LOADER_API_KEY", "YOUTUBE_LOADER_PROXY_URL",
] as const;
const WEB_BOOL_KEYS = [
  "ENABLE_WEB_SEARCH", "WEB_SEARCH_TRUST_ENV", "BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL", "BYPASS_WEB_SEARCH_WEB_LOADER",
  "SERPSTACK_HTTPS", "ENABLE_WEB_LOADER_SSL_VERIFICATION",
] as const;
const WEB_INT_KEYS = ["WEB_SEARCH_RESULT_COUNT", "WEB_SEARCH_CONCURRENT_REQUESTS", "WEB_LOADER_CONCURRENT_REQUESTS", "PLAYWRIGHT_TIMEOUT"] as const;
const WEB_LIST_KEYS = ["WEB_SEARCH_DOMAIN_FILTER_LIST", "YOUTUBE_LOADER_LANGUAGE"] as const;

/** Key order of Open WebUI's answer. */
const RAG_ORDER = [
  "RAG_TEMPLATE", "TOP_K", "BYPASS_EMBEDDING_AND_RETRIEVAL", "RAG_FULL_CONTEXT", "ENABLE_RAG_HYBRID_SEARCH", "TOP_K_RERANKER",
  "RELEVANCE_THRESHOLD", "HYBRID_BM25_WEIGHT", "CONTENT_EXTRACTION_ENGINE", "PDF_EXTRACT_IMAGES", "DATALAB_MARKER_API_KEY",
  "DATALAB_MARKER_API_BASE_URL", "DATALAB_MARKER_ADDITIONAL_CONFIG", "DATALAB_MARKER_SKIP_CACHE", "DATALAB_MARKER_FORCE_OCR",
  "DATALAB_MARKER_PAGINATE", "DATALAB_MARKER_STRIP_EXISTING_OCR", "DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION",
  "DATALAB_MARKER_FORMAT_LINES", "DATALAB_MARKER_USE_LLM", "DATALAB_MARKER_OUTPUT_FORMAT", "EXTERNAL_DOCUMENT_LOADER_URL",
  "EXTERNAL_DOCUMENT_LOADER_API_KEY", "TIKA_SERVER_URL", "DOCLING_SERVER_URL", "DOCLING_DO_OCR", "DOCLING_FORCE_OCR",
  "DOCLING_OCR_ENGINE", "DOCLING_OCR_LANG", "DOCLING_PDF_BACKEND", "DOCLING_TABLE_MODE", "DOCLING_PIPELINE",
  "DOCLING_DO_PICTURE_DESCRIPTION", "DOCLING_PICTURE_DESCRIPTION_MODE", "DOCLING_PICTURE_DESCRIPTION_LOCAL",
  "DOCLING_PICTURE_DESCRIPTION_API", "DOCUMENT_INTELLIGENCE_ENDPOINT", "DOCUMENT_INTELLIGENCE_KEY", "MISTRAL_OCR_API_KEY",
  "RAG_RERANKING_MODEL", "RAG_RERANKING_ENGINE", "RAG_EXTERNAL_RERANKER_URL", "RAG_EXTERNAL_RERANKER_API_KEY", "TEXT_SPLITTER",
  "CHUNK_SIZE", "CHUNK_OVERLAP", "FILE_MAX_SIZE", "FILE_MAX_COUNT", "FILE_IMAGE_COMPRESSION_WIDTH",
  "FILE_IMAGE_COMPRESSION_HEIGHT", "ALLOWED_FILE_EXTENSIONS", "ENABLE_GOOGLE_DRIVE_INTEGRATION", "ENABLE_ONEDRIVE_INTEGRATION",
] as const;
const WEB_ORDER = [
  "ENABLE_WEB_SEARCH", "WEB_SEARCH_ENGINE", "WEB_SEARCH_TRUST_ENV", "WEB_SEARCH_RESULT_COUNT", "WEB_SEARCH_CONCURRENT_REQUESTS",
  "WEB_LOADER_CONCURRENT_REQUESTS", "WEB_SEARCH_DOMAIN_FILTER_LIST", "BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL",
  "BYPASS_WEB_SEARCH_WEB_LOADER", "OLLAMA_CLOUD_WEB_SEARCH_API_KEY", "SEARXNG_QUERY_URL", "YACY_QUERY_URL", "YACY_USERNAME",
  "YACY_PASSWORD", "GOOGLE_PSE_API_KEY", "GOOGLE_PSE_ENGINE_ID", "BRAVE_SEARCH_API_KEY", "KAGI_SEARCH_API_KEY",
  "MOJEEK_SEARCH_API_KEY", "BOCHA_SEARCH_API_KEY", "SERPSTACK_API_KEY", "SERPSTACK_HTTPS", "SERPER_API_KEY", "SERPLY_API_KEY",
  "TAVILY_API_KEY", "SEARCHAPI_API_KEY", "SEARCHAPI_ENGINE", "SERPAPI_API_KEY", "SERPAPI_ENGINE", "JINA_API_KEY",
  "BING_SEARCH_V7_ENDPOINT", "BING_SEARCH_V7_SUBSCRIPTION_KEY", "EXA_API_KEY", "PERPLEXITY_API_KEY", "PERPLEXITY_MODEL",
  "PERPLEXITY_SEARCH_CONTEXT_USAGE", "SOUGOU_API_SID", "SOUGOU_API_SK", "WEB_LOADER_ENGINE", "ENABLE_WEB_LOADER_SSL_VERIFICATION",
  "PLAYWRIGHT_WS_URL", "PLAYWRIGHT_TIMEOUT", "FIRECRAWL_API_KEY", "FIRECRAWL_API_BASE_URL", "TAVILY_EXTRACT_DEPTH",
  "EXTERNAL_WEB_SEARCH_URL", "EXTERNAL_WEB_SEARCH_API_KEY", "EXTERNAL_WEB_LOADER_URL", "EXTERNAL_WEB_LOADER_API_KEY",
  "YOUTUBE_LOADER_LANGUAGE", "YOUTUBE_LOADER_PROXY_URL",
] as const;

function optional(keys: readonly string[], schema: () => TSchema): Record<string, TSchema> {
  return Object.fromEntries(keys.map((k) => [k, t.Optional(t.Nullable(schema()))]));
}

const WebForm = t.Object({
  ...optional(WEB_STRING_KEYS, () => t.String()),
  ...optional(WEB_BOOL_KEYS, () => t.Boolean()),
  ...optional(WEB_INT_KEYS, () => t.Integer()),
  ...optional(WEB_LIST_KEYS, () => t.Array(t.String())),
  YOUTUBE_LOADER_TRANSLATION: t.Optional(t.Nullable(t.String())),
});

const ConfigForm = t.Object({
  ...optional(RAG_STRING_KEYS, () => t.String()),
  ...optional(RAG_BOOL_KEYS, () => t.Boolean()),
  ...optional(RAG_INT_KEYS, () => t.Integer()),
  ...optional(RAG_FLOAT_KEYS, () => t.Number()),
  ...optional(RAG_OBJECT_KEYS, () => t.Record(t.String(), t.Any())),
  ...optional(RAG_NULLABLE_INT_KEYS, () => t.Integer()),
  ALLOWED_FILE_EXTENSIONS: t.Optional(t.Nullable(t.Array(t.String()))),
  web: t.Optional(t.Nullable(WebForm)),
});

const UrlConfig = t.Object({ url: t.String(), key: t.String() });
const EmbeddingForm = t.Object({
  embedding_engine: t.String(),
  embedding_model: t.String(),
  embedding_batch_size: t.Optional(t.Nullable(t.Integer())),
  openai_config: t.Optional(t.Nullable(UrlConfig)),
  ollama_config: t.Optional(t.Nullable(UrlConfig)),
  azure_openai_config: t.Optional(t.Nullable(t.Object({ url: t.String(), key: t.String(), version: t.String() }))),
});

const QueryTuning = {
  k: t.Optional(t.Nullable(t.Integer())),
  k_reranker: t.Optional(t.Nullable(t.Integer())),
  r: t.Optional(t.Nullable(t.Number())),
  hybrid: t.Optional(t.Nullable(t.Boolean())),
  hybrid_bm25_weight: t.Optional(t.Nullable(t.Number())),
};

/** YOUTUBE_LOADER_TRANSLATION lives in memory only, as in Open WebUI. */
const youtubeTranslation = new WeakMap<AppContext, string | null>();

export function retrievalRoutes(ctx: AppContext) {
  const get = <K extends ConfigKey>(key: K) => ctx.config.get(key);

  const ragConfig = () => ({
    status: true,
    ...Object.fromEntries(RAG_ORDER.map((k) => [k, get(k)])),
    web: {
      ...Object.fromEntries(WEB_ORDER.map((k) => [k, get(k)])),
      YOUTUBE_LOADER_TRANSLATION: youtubeTranslation.get(ctx) ?? null,
    },
  });

  const embeddingConfig = () => ({
    status: true,
    embedding_engine: get("RAG_EMBEDDING_ENGINE"),
    embedding_model: get("RAG_EMBEDDING_MODEL"),
    embedding_batch_size: get("RAG_EMBEDDING_BATCH_SIZE"),
    openai_config: { url: get("RAG_OPENAI_API_BASE_URL"), key: get("RAG_OPENAI_API_KEY") },
    ollama_config: { url: get("RAG_OLLAMA_BASE_URL"), key: get("RAG_OLLAMA_API_KEY") },
    azure_openai_config: { url: get("RAG_AZURE_OPENAI_BASE_URL"), key: get("RAG_AZURE_OPENAI_API_KEY"), version: get("RAG_AZURE_OPENAI_API_VERSION") },
  });

  const writableCollection = async (user: UserRow, name: string | null | undefined) => {
    if (name && !(await canUseCollection(ctx, user, name, "write"))) throw forbidden();
  };

  const app = new Elysia({ name: "retrieval", prefix: "/api/v1/retrieval" })
    .use(authGuard(ctx))
    .get("/", () => ({
      status: true,
      chunk_size: get("CHUNK_SIZE"),
      chunk_overlap: get("CHUNK_OVERLAP"),
      template: get("RAG_TEMPLATE"),
      embedding_engine: get("RAG_EMBEDDING_ENGINE"),
      embedding_model: get("RAG_EMBEDDING_MODEL"),
      reranking_model: get("RAG_RERANKING_MODEL"),
      embedding_batch_size: get("RAG_EMBEDDING_BATCH_SIZE"),
    }))
    .get("/embedding", embeddingConfig, { auth: "admin" })
    .post(
      "/embedding/update",
      async ({ body }) => {
        const engine = body.embedding_engine;
        if (!["", "openai", "ollama", "azure_openai"].includes(engine)) {
          throw new HttpError(400, defaultError(`Unknown embedding engine: ${engine}`));
        }
        const changes: Partial<ConfigValues> = { RAG_EMBEDDING_ENGINE: engine, RAG_EMBEDDING_MODEL: body.embedding_model };
        if (engine !== "") {
          if (body.openai_config) Object.assign(changes, { RAG_OPENAI_API_BASE_URL: body.openai_config.url, RAG_OPENAI_API_KEY: body.openai_config.key });
          if (body.ollama_config) Object.assign(changes, { RAG_OLLAMA_BASE_URL: body.ollama_config.url, RAG_OLLAMA_API_KEY: body.ollama_config.key });
          if (body.azure_openai_config) {
            Object.assign(changes, {
              RAG_AZURE_OPENAI_BASE_URL: body.azure_openai_config.url,
              RAG_AZURE_OPENAI_API_KEY: body.azure_openai_config.key,
              RAG_AZURE_OPENAI_API_VERSION: body.azure_openai_config.version,
            });
          }
          changes.RAG_EMBEDDING_BATCH_SIZE = body.embedding_batch_size ?? 1;
        }
        await ctx.config.set(changes);
        return embeddingConfig();
      },
      { auth: "admin", body: EmbeddingForm },
    )
    .get("/config", ragConfig, { auth: "admin" })
    .post(
      "/config/update",
      async ({ body }) => {
        const changes: Record<string, unknown> = {};
        const form = body as Record<string, unknown>;
        for (const key of [...RAG_STRING_KEYS, ...RAG_BOOL_KEYS, ...RAG_INT_KEYS, ...RAG_FLOAT_KEYS, ...RAG_OBJECT_KEYS, "ALLOWED_FILE_EXTENSIONS"]) {
          if (form[key] !== undefined && form[key] !== null) changes[key] = form[key];
        }
        for (const key of RAG_NULLABLE_INT_KEYS) changes[key] = form[key] ?? null;
        const size = Number(changes.CHUNK_SIZE ?? get("CHUNK_SIZE"));
        const overlap = Number(changes.CHUNK_OVERLAP ?? get("CHUNK_OVERLAP"));
        if (!(size > 0) || overlap < 0 || overlap >= size) {
          throw new HttpError(400, defaultError(`CHUNK_OVERLAP (${overlap}) must be at least 0 and below CHUNK_SIZE (${size})`));
        }
        if (changes.TEXT_SPLITTER !== undefined && !["", "character", "token", "markdown_header"].includes(String(changes.TEXT_SPLITTER))) {
          throw new HttpError(400, defaultError("Invalid text splitter"));
        }
        const web = body.web as Record<string, unknown> | null | undefined;
        if (web) {
          for (const key of [...WEB_STRING_KEYS, ...WEB_BOOL_KEYS, ...WEB_INT_KEYS, ...WEB_LIST_KEYS]) {
            if (web[key] !== undefined && web[key] !== null) changes[key] = web[key];
          }
          if (web.YOUTUBE_LOADER_TRANSLATION !== undefined) youtubeTranslation.set(ctx, (web.YOUTUBE_LOADER_TRANSLATION as string | null) ?? null);
        }
        await ctx.config.set(changes as Partial<ConfigValues>);
        return ragConfig();
      },
      { auth: "admin", body: ConfigForm },
    )
    .post(
      "/process/file",
      async ({ user, body }) => {
        const file = await findOwnFile(ctx.db, body.file_id, user);
        if (!file) throw notFound();
        await writableCollection(user, body.collection_name);
        return processFile(ctx, user, file, { content: body.content, collectionName: body.collection_name });
      },
      {
        auth: "verified",
        body: t.Object({ file_id: t.String(), content: t.Optional(t.Nullable(t.String())), collection_name: t.Optional(t.Nullable(t.String())) }),
      },
    )
    .post(
      "/process/text",
      async ({ user, body }) => {
        const collection = body.collection_name ?? sha256(body.content);
        await writableCollection(user, collection);
        await saveDocuments(ctx, user, [{ text: body.content, metadata: { name: body.name, created_by: user.id } }], collection).catch(
          (error) => {
            throw new HttpError(400, errorMessage(error));
          },
        );
        return { status: true, collection_name: collection, content: body.content };
      },
      { auth: "verified", body: t.Object({ name: t.String(), content: t.String(), collection_name: t.Optional(t.Nullable(t.String())) }) },
    )
    .post(
      "/process/youtube",
      () => {
        throw new HttpError(400, defaultError("YouTube transcripts are not available on this server"));
      },
      { auth: "verified", body: t.Object({ url: t.String(), collection_name: t.Optional(t.Nullable(t.String())) }) },
    )
    .post(
      "/process/web",
      async ({ user, body }) => {
        let collection: string | null = body.collection_name || sha256(body.url).slice(0, 63);
        await writableCollection(user, collection);
        let page;
        try {
          page = await loadWebPage(ctx, body.url);
          if (!get("BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL")) {
            await saveDocuments(ctx, user, [page], collection, { overwrite: true });
          } else {
            collection = null;
          }
        } catch (error) {
          throw new HttpError(400, defaultError(error instanceof UnsafeUrlError ? error.message : errorMessage(error)));
        }
        return {
          status: true,
          collection_name: collection,
          filename: body.url,
          file: { data: { content: page.text }, meta: { name: body.url, source: body.url } },
        };
      },
      { auth: "verified", body: t.Object({ url: t.String(), collection_name: t.Optional(t.Nullable(t.String())) }) },
    )
    .post(
      "/process/web/search",
      async ({ user, body }) => webSearch(ctx, user, body.queries),
      { auth: "verified", body: t.Object({ queries: t.Array(t.String()) }) },
    )
    .post(
      "/query/doc",
      async ({ user, body }) => {
        if (!(await canUseCollection(ctx, user, body.collection_name, "read"))) throw forbidden();
        try {
          return await queryDocument(ctx, user, body.collection_name, body.query, queryOptions(ctx, body));
        } catch (error) {
          throw new HttpError(400, defaultError(errorMessage(error)));
        }
      },
      { auth: "verified", body: t.Object({ collection_name: t.String(), query: t.String(), ...QueryTuning }) },
    )
    .post(
      "/query/collection",
      async ({ user, body }) => {
        const allowed = await usableCollections(ctx, user, body.collection_names, "read");
        if (allowed.length !== body.collection_names.filter(Boolean).length) throw forbidden();
        try {
          return await queryCollections(ctx, user, allowed, [body.query], queryOptions(ctx, body));
        } catch (error) {
          throw new HttpError(400, defaultError(errorMessage(error)));
        }
      },
      { auth: "verified", body: t.Object({ collection_names: t.Array(t.String()), query: t.String(), ...QueryTuning }) },
    )
    .post(
      "/delete",
      async ({ body }) => {
        const { store } = retrieval(ctx);
        try {
          if (!(await store.hasCollection(body.collection_name))) return { status: false };
          const file = await findFile(ctx.db, body.file_id);
          if (!file?.hash) return { status: false };
          await store.delete(body.collection_name, { filter: { hash: file.hash } });
          return { status: true };
        } catch (error) {
          ctx.log.warn("deleting entries failed", error);
          return { status: false };
        }
      },
      { auth: "admin", body: t.Object({ collection_name: t.String(), file_id: t.String() }) },
    )
    .post(
      "/reset/db",
      async () => {
        await retrieval(ctx).store.reset();
        await deleteAllKnowledge(ctx.db);
        return null;
      },
      { auth: "admin" },
    )
    .post(
      "/reset/uploads",
      () => {
        const dir = ctx.env.uploadDir;
        try {
          for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { recursive: true, force: true });
        } catch (error) {
          ctx.log.warn(`could not empty ${dir}`, error);
        }
        return true;
      },
      { auth: "admin" },
    )
    .post(
      "/process/files/batch",
      async ({ user, body }) => {
        await writableCollection(user, body.collection_name);
        const files = [];
        for (const item of body.files) {
          const file = await findAccessibleFile(ctx.db, item.id, user, "read");
          if (!file) throw notFound();
          files.push(file);
        }
        return processFilesBatch(ctx, user, body.collection_name, files);
      },
      {
        auth: "verified",
        body: t.Object({ files: t.Array(t.Object({ id: t.String() }, { additionalProperties: true })), collection_name: t.String() }),
      },
    );

  if (ctx.env.env !== "dev") return app;
  return app.get("/ef/:text", async ({ params }) => {
    const embedder = await resolveEmbedder(ctx);
    if (!embedder) throw new HttpError(400, defaultError("No embedding engine is available"));
    const [vector] = await embedder.embed([params.text], "query").catch((error) => {
      throw new HttpError(400, defaultError(errorMessage(error)));
    });
    return { result: vector };
  });
}
