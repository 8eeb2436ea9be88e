// The retrieval (RAG) settings of Open WebUI's PersistentConfig registry: attribute name, path in
// the stored config JSON, and the environment default (config.py at 0.6.32). Spread into
// REGISTRY by src/core/config.ts; the entries already there (CHUNK_SIZE, TOP_K, FILE_MAX_SIZE, …)
// are not repeated.
import { parseBool, parseInteger, type Source } from "../core/env";

type Entry<T> = { path: string; fromEnv: (source: Source) => T };
const entry = <T>(path: string, fromEnv: (source: Source) => T): Entry<T> => ({ path, fromEnv });

const text = (name: string, fallback = "") => (s: Source) => s[name] ?? fallback;
const bool = (name: string, fallback: boolean) => (s: Source) => parseBool(s, name, fallback);
const int = (name: string, fallback: number) => (s: Source) => parseInteger(s, name, fallback);
const float = (name: string, fallback: number) => (s: Source) => {
  const value = Number(s[name]);
  return s[name] && Number.isFinite(value) ? value : fallback;
};
const jsonObject = (name: string) => (s: Source): Record<string, unknown> => {
  try {
    const value = JSON.parse(s[name] ?? "");
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
};
const stripSlash = (url: string) => url.trim().replace(/\/+$/, "");

/** Our own wording; an existing install keeps whatever template it stored. */
export const DEFAULT_RAG_TEMPLATE = `### Task
Answer the user's question using the documents in the context below.

### How to answer
- Use the documents when they are relevant; say so plainly when they do not contain the answer.
- When a statement comes from a document whose <source> tag has an id attribute, cite it inline as [id], for example [1] or [2].
- Do not invent citations: cite only ids that appear in the context, and do not cite sources without an id.
- If the documents are unclear or contradict each other, say so and give your best reading.
- You may add what you know yourself, but make clear which parts do not come from the documents.
- Answer in the language of the question and do not reply with XML tags.

<context>
{{CONTEXT}}
</context>

<user_query>
{{QUERY}}
</user_query>
`;

function openaiDefaultUrl(s: Source): string {
  return stripSlash(s.RAG_OPENAI_API_BASE_URL || s.OPENAI_API_BASE_URL || "https://api.openai.com/v1");
}

function ollamaDefaultUrl(s: Source): string {
  if (s.RAG_OLLAMA_BASE_URL) return stripSlash(s.RAG_OLLAMA_BASE_URL);
  const legacy = s.OLLAMA_API_BASE_URL ? stripSlash(s.OLLAMA_API_BASE_URL).replace(/\/api$/, "") : "";
  return stripSlash(s.OLLAMA_BASE_URL || legacy || "http://localhost:11434");
}

export const RETRIEVAL_REGISTRY = {
  RAG_TEMPLATE: entry("rag.template", text("RAG_TEMPLATE", DEFAULT_RAG_TEMPLATE)),
  BYPASS_EMBEDDING_AND_RETRIEVAL: entry("rag.bypass_embedding_and_retrieval", bool("BYPASS_EMBEDDING_AND_RETRIEVAL", false)),
  RAG_FULL_CONTEXT: entry("rag.full_context", bool("RAG_FULL_CONTEXT", false)),
  ENABLE_RAG_HYBRID_SEARCH: entry("rag.enable_hybrid_search", bool("ENABLE_RAG_HYBRID_SEARCH", false)),
  TOP_K_RERANKER: entry("rag.top_k_reranker", int("RAG_TOP_K_RERANKER", 3)),
  RELEVANCE_THRESHOLD: entry("rag.relevance_threshold", float("RAG_RELEVANCE_THRESHOLD", 0)),
  HYBRID_BM25_WEIGHT: entry("rag.hybrid_bm25_weight", float("RAG_HYBRID_BM25_WEIGHT", 0.5)),
  CONTENT_EXTRACTION_ENGINE: entry("rag.CONTENT_EXTRACTION_ENGINE", (s) => (s.CONTENT_EXTRACTION_ENGINE ?? "").toLowerCase()),
  PDF_EXTRACT_IMAGES: entry("rag.pdf_extract_images", bool("PDF_EXTRACT_IMAGES", false)),
  DATALAB_MARKER_API_KEY: entry("rag.datalab_marker_api_key", text("DATALAB_MARKER_API_KEY")),
  DATALAB_MARKER_API_BASE_URL: entry("rag.datalab_marker_api_base_url", text("DATALAB_MARKER_API_BASE_URL")),
  DATALAB_MARKER_ADDITIONAL_CONFIG: entry("rag.datalab_marker_additional_config", text("DATALAB_MARKER_ADDITIONAL_CONFIG")),
  DATALAB_MARKER_USE_LLM: entry("rag.DATALAB_MARKER_USE_LLM", bool("DATALAB_MARKER_USE_LLM", false)),
  DATALAB_MARKER_SKIP_CACHE: entry("rag.datalab_marker_skip_cache", bool("DATALAB_MARKER_SKIP_CACHE", false)),
  DATALAB_MARKER_FORCE_OCR: entry("rag.datalab_marker_force_ocr", bool("DATALAB_MARKER_FORCE_OCR", false)),
  DATALAB_MARKER_PAGINATE: entry("rag.datalab_marker_paginate", bool("DATALAB_MARKER_PAGINATE", false)),
  DATALAB_MARKER_STRIP_EXISTING_OCR: entry("rag.datalab_marker_strip_existing_ocr", bool("DATALAB_MARKER_STRIP_EXISTING_OCR", false)),
  DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION: entry("rag.datalab_marker_disable_image_extraction", bool("DATALAB_MARKER_DISABLE_IMAGE_EXTRACTION", false)),
  DATALAB_MARKER_FORMAT_LINES: entry("rag.datalab_marker_format_lines", bool("DATALAB_MARKER_FORMAT_LINES", false)),
  DATALAB_MARKER_OUTPUT_FORMAT: entry("rag.datalab_marker_output_format", text("DATALAB_MARKER_OUTPUT_FORMAT", "markdown")),
  EXTERNAL_DOCUMENT_LOADER_URL: entry("rag.external_document_loader_url", text("EXTERNAL_DOCUMENT_LOADER_URL")),
  EXTERNAL_DOCUMENT_LOADER_API_KEY: entry("rag.external_document_loader_api_key", text("EXTERNAL_DOCUMENT_LOADER_API_KEY")),
  TIKA_SERVER_URL: entry("rag.tika_server_url", text("TIKA_SERVER_URL", "http://tika:9998")),
  DOCLING_SERVER_URL: entry("rag.docling_server_url", text("DOCLING_SERVER_URL", "http://docling:5001")),
  DOCLING_DO_OCR: entry("rag.docling_do_ocr", bool("DOCLING_DO_OCR", true)),
  DOCLING_FORCE_OCR: entry("rag.docling_force_ocr", bool("DOCLING_FORCE_OCR", false)),
  DOCLING_OCR_ENGINE: entry("rag.docling_ocr_engine", text("DOCLING_OCR_ENGINE", "tesseract")),
  DOCLING_OCR_LANG: entry("rag.docling_ocr_lang", text("DOCLING_OCR_LANG", "eng,fra,deu,spa")),
  DOCLING_PDF_BACKEND: entry("rag.docling_pdf_backend", text("DOCLING_PDF_BACKEND", "dlparse_v4")),
  DOCLING_TABLE_MODE: entry("rag.docling_table_mode", text("DOCLING_TABLE_MODE", "accurate")),
  DOCLING_PIPELINE: entry("rag.docling_pipeline", text("DOCLING_PIPELINE", "standard")),
  DOCLING_DO_PICTURE_DESCRIPTION: entry("rag.docling_do_picture_description", bool("DOCLING_DO_PICTURE_DESCRIPTION", false)),
  DOCLING_PICTURE_DESCRIPTION_MODE: entry("rag.docling_picture_description_mode", text("DOCLING_PICTURE_DESCRIPTION_MODE")),
  DOCLING_PICTURE_DESCRIPTION_LOCAL: entry("rag.docling_picture_description_local", jsonObject("DOCLING_PICTURE_DESCRIPTION_LOCAL")),
  DOCLING_PICTURE_DESCRIPTION_API: entry("rag.docling_picture_description_api", jsonObject("DOCLING_PICTURE_DESCRIPTION_API")),
  DOCUMENT_INTELLIGENCE_ENDPOINT: entry("rag.document_intelligence_endpoint", text("DOCUMENT_INTELLIGENCE_ENDPOINT")),
  DOCUMENT_INTELLIGENCE_KEY: entry("rag.document_intelligence_key", text("DOCUMENT_INTELLIGENCE_KEY")),
  MISTRAL_OCR_API_KEY: entry("rag.mistral_ocr_api_key", text("MISTRAL_OCR_API_KEY")),
  RAG_RERANKING_ENGINE: entry("rag.reranking_engine", text("RAG_RERANKING_ENGINE")),
  RAG_RERANKING_MODEL: entry("rag.reranking_model", text("RAG_RERANKING_MODEL")),
  RAG_EXTERNAL_RERANKER_URL: entry("rag.external_reranker_url", text("RAG_EXTERNAL_RERANKER_URL")),
  RAG_EXTERNAL_RERANKER_API_KEY: entry("rag.external_reranker_api_key", text("RAG_EXTERNAL_RERANKER_API_KEY")),
  TEXT_SPLITTER: entry("rag.text_splitter", text("RAG_TEXT_SPLITTER")),
  TIKTOKEN_ENCODING_NAME: entry("rag.tiktoken_encoding_name", text("TIKTOKEN_ENCODING_NAME", "cl100k_base")),
  ALLOWED_FILE_EXTENSIONS: entry("rag.file.allowed_extensions", (s) =>
    (s.RAG_ALLOWED_FILE_EXTENSIONS ?? "").split(",").map((e) => e.trim()).filter(Boolean),
  ),
  RAG_EMBEDDING_ENGINE: entry("rag.embedding_engine", text("RAG_EMBEDDING_ENGINE")),
  RAG_EMBEDDING_MODEL: entry("rag.embedding_model", text("RAG_EMBEDDING_MODEL", "sentence-transformers/all-MiniLM-L6-v2")),
  RAG_EMBEDDING_BATCH_SIZE: entry("rag.embedding_batch_size", (s) => {
    const name = s.RAG_EMBEDDING_BATCH_SIZE ? "RAG_EMBEDDING_BATCH_SIZE" : "RAG_EMBEDDING_OPENAI_BATCH_SIZE";
    return parseInteger(s, name, 1);
  }),
  RAG_OPENAI_API_BASE_URL: entry("rag.openai_api_base_url", openaiDefaultUrl),
  RAG_OPENAI_API_KEY: entry("rag.openai_api_key", (s) => s.RAG_OPENAI_API_KEY ?? s.OPENAI_API_KEY ?? ""),
  RAG_AZURE_OPENAI_BASE_URL: entry("rag.azure_openai.base_url", text("RAG_AZURE_OPENAI_BASE_URL")),
  RAG_AZURE_OPENAI_API_KEY: entry("rag.azure_openai.api_key", text("RAG_AZURE_OPENAI_API_KEY")),
  RAG_AZURE_OPENAI_API_VERSION: entry("rag.azure_openai.api_version", text("RAG_AZURE_OPENAI_API_VERSION")),
  RAG_OLLAMA_BASE_URL: entry("rag.ollama.url", ollamaDefaultUrl),
  RAG_OLLAMA_API_KEY: entry("rag.ollama.key", text("RAG_OLLAMA_API_KEY")),
  YOUTUBE_LOADER_LANGUAGE: entry("rag.youtube_loader_language", (s) => (s.YOUTUBE_LOADER_LANGUAGE ?? "en").split(",")),
  YOUTUBE_LOADER_PROXY_URL: entry("rag.youtube_loader_proxy_url", text("YOUTUBE_LOADER_PROXY_URL")),
  WEB_SEARCH_ENGINE: entry("rag.web.search.engine", text("WEB_SEARCH_ENGINE")),
  BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: entry("rag.web.search.bypass_embedding_and_retrieval", bool("BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL", false)),
  BYPASS_WEB_SEARCH_WEB_LOADER: entry("rag.web.search.bypass_web_loader", bool("BYPASS_WEB_SEARCH_WEB_LOADER", false)),
  WEB_SEARCH_RESULT_COUNT: entry("rag.web.search.result_count", int("WEB_SEARCH_RESULT_COUNT", 3)),
  WEB_SEARCH_DOMAIN_FILTER_LIST: entry("rag.web.search.domain.filter_list", (): string[] => []),
  WEB_SEARCH_CONCURRENT_REQUESTS: entry("rag.web.search.concurrent_requests", int("WEB_SEARCH_CONCURRENT_REQUESTS", 10)),
  WEB_LOADER_ENGINE: entry("rag.web.loader.engine", text("WEB_LOADER_ENGINE")),
  WEB_LOADER_CONCURRENT_REQUESTS: entry("rag.web.loader.concurrent_requests", int("WEB_LOADER_CONCURRENT_REQUESTS", 10)),
  ENABLE_WEB_LOADER_SSL_VERIFICATION: entry("rag.web.loader.ssl_verification", bool("ENABLE_WEB_LOADER_SSL_VERIFICATION", true)),
  WEB_SEARCH_TRUST_ENV: entry("rag.web.search.trust_env", bool("WEB_SEARCH_TRUST_ENV", false)),
  OLLAMA_CLOUD_WEB_SEARCH_API_KEY: entry("rag.web.search.ollama_cloud_api_key", text("OLLAMA_CLOUD_API_KEY")),
  SEARXNG_QUERY_URL: entry("rag.web.search.searxng_query_url", text("SEARXNG_QUERY_URL")),
  YACY_QUERY_URL: entry("rag.web.search.yacy_query_url", text("YACY_QUERY_URL")),
  YACY_USERNAME: entry("rag.web.search.yacy_username", text("YACY_USERNAME")),
  YACY_PASSWORD: entry("rag.web.search.yacy_password", text("YACY_PASSWORD")),
  GOOGLE_PSE_API_KEY: entry("rag.web.search.google_pse_api_key", text("GOOGLE_PSE_API_KEY")),
  GOOGLE_PSE_ENGINE_ID: entry("rag.web.search.google_pse_engine_id", text("GOOGLE_PSE_ENGINE_ID")),
  BRAVE_SEARCH_API_KEY: entry("rag.web.search.brave_search_api_key", text("BRAVE_SEARCH_API_KEY")),
  KAGI_SEARCH_API_KEY: entry("rag.web.search.kagi_search_api_key", text("KAGI_SEARCH_API_KEY")),
  MOJEEK_SEARCH_API_KEY: entry("rag.web.search.mojeek_search_api_key", text("MOJEEK_SEARCH_API_KEY")),
  BOCHA_SEARCH_API_KEY: entry("rag.web.search.bocha_search_api_key", text("BOCHA_SEARCH_API_KEY")),
  SERPSTACK_API_KEY: entry("rag.web.search.serpstack_api_key", text("SERPSTACK_API_KEY")),
  SERPSTACK_HTTPS: entry("rag.web.search.serpstack_https", bool("SERPSTACK_HTTPS", true)),
  SERPER_API_KEY: entry("rag.web.search.serper_api_key", text("SERPER_API_KEY")),
  SERPLY_API_KEY: entry("rag.web.search.serply_api_key", text("SERPLY_API_KEY")),
  JINA_API_KEY: entry("rag.web.search.jina_api_key", text("JINA_API_KEY")),
  SEARCHAPI_API_KEY: entry("rag.web.search.searchapi_api_key", text("SEARCHAPI_API_KEY")),
  SEARCHAPI_ENGINE: entry("rag.web.search.searchapi_engine", text("SEARCHAPI_ENGINE")),
  SERPAPI_API_KEY: entry("rag.web.search.serpapi_api_key", text("SERPAPI_API_KEY")),
  SERPAPI_ENGINE: entry("rag.web.search.serpapi_engine", text("SERPAPI_ENGINE")),
  BING_SEARCH_V7_ENDPOINT: entry("rag.web.search.bing_search_v7_endpoint", text("BING_SEARCH_V7_ENDPOINT", "https://api.bing.microsoft.com/v7.0/search")),
  BING_SEARCH_V7_SUBSCRIPTION_KEY: entry("rag.web.search.bing_search_v7_subscription_key", text("BING_SEARCH_V7_SUBSCRIPTION_KEY")),
  EXA_API_KEY: entry("rag.web.search.exa_api_key", text("EXA_API_KEY")),
  PERPLEXITY_API_KEY: entry("rag.web.search.perplexity_api_key", text("PERPLEXITY_API_KEY")),
  PERPLEXITY_MODEL: entry("rag.web.search.perplexity_model", text("PERPLEXITY_MODEL", "sonar")),
  PERPLEXITY_SEARCH_CONTEXT_USAGE: entry("rag.web.search.perplexity_search_context_usage", text("PERPLEXITY_SEARCH_CONTEXT_USAGE", "medium")),
  SOUGOU_API_SID: entry("rag.web.search.sougou_api_sid", text("SOUGOU_API_SID")),
  SOUGOU_API_SK: entry("rag.web.search.sougou_api_sk", text("SOUGOU_API_SK")),
  TAVILY_API_KEY: entry("rag.web.search.tavily_api_key", text("TAVILY_API_KEY")),
  TAVILY_EXTRACT_DEPTH: entry("rag.web.search.tavily_extract_depth", text("TAVILY_EXTRACT_DEPTH", "basic")),
  PLAYWRIGHT_WS_URL: entry("rag.web.loader.playwright_ws_url", text("PLAYWRIGHT_WS_URL")),
  PLAYWRIGHT_TIMEOUT: entry("rag.web.loader.playwright_timeout", int("PLAYWRIGHT_TIMEOUT", 10000)),
  FIRECRAWL_API_KEY: entry("rag.web.loader.firecrawl_api_key", text("FIRECRAWL_API_KEY")),
  FIRECRAWL_API_BASE_URL: entry("rag.web.loader.firecrawl_api_url", text("FIRECRAWL_API_BASE_URL", "https://api.firecrawl.dev")),
  EXTERNAL_WEB_SEARCH_URL: entry("rag.web.search.external_web_search_url", text("EXTERNAL_WEB_SEARCH_URL")),
  EXTERNAL_WEB_SEARCH_API_KEY: entry("rag.web.search.external_web_search_api_key", text("EXTERNAL_WEB_SEARCH_API_KEY")),
  EXTERNAL_WEB_LOADER_URL: entry("rag.web.loader.external_web_loader_url", text("EXTERNAL_WEB_LOADER_URL")),
  EXTERNAL_WEB_LOADER_API_KEY: entry("rag.web.loader.external_web_loader_api_key", text("EXTERNAL_WEB_LOADER_API_KEY")),
} satisfies Record<string, Entry<unknown>>;
