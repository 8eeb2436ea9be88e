// Web pages and web search for RAG. Every URL a user (or a search result) supplies is fetched
// through safe-fetch, which refuses local and private addresses on every redirect hop unless
// ENABLE_RAG_LOCAL_WEB_FETCH is true.
import type { AppContext } from "../context";
import { parseBool } from "../core/env";
import { defaultError, ERROR_MESSAGES, HttpError } from "../core/errors";
import { safeFetch, type SafeFetchOptions } from "../core/safe-fetch";
import type { UserRow } from "../users/repository";
import { errorMessage, saveDocuments, sha256 } from "./ingest";
import { html as htmlToText, decodeText, type LoadedDocument } from "./loaders";
import { ENGINES, filterByDomain, WebError, type SearchItem } from "./web-engines";

export { WebError, type SearchItem } from "./web-engines";

export function fetchOptions(ctx: AppContext): SafeFetchOptions {
  return {
    allowLocal: parseBool(ctx.env.raw, "ENABLE_RAG_LOCAL_WEB_FETCH", false),
    timeoutMs: 20_000,
    maxBytes: 20 * 1024 * 1024,
    headers: { "user-agent": "Mozilla/5.0 (compatible; OpenWebUI-Bun)", accept: "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5" },
  };
}

/** One document per page: its text, with source, title, description and language metadata. */
export async function loadWebPage(ctx: AppContext, url: string): Promise<LoadedDocument> {
  const engine = ctx.config.get("WEB_LOADER_ENGINE");
  if (engine && engine !== "safe_web") throw new WebError(`The web loader engine "${engine}" is not supported by this server`);
  const response = await safeFetch(url, fetchOptions(ctx));
  if (response.status >= 400) throw new WebError(`${url} answered ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  const raw = decodeText(response.body);
  if (!type.includes("html") && !/^\s*</.test(raw)) return { text: raw, metadata: { source: url } };
  const metadata: Record<string, unknown> = { source: url };
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(raw)?.[1]?.trim();
  if (title) metadata.title = await htmlToText(title);
  const description = /<meta[^>]+name=["']description["'][^>]*content=["']([^"']*)["']/i.exec(raw)?.[1];
  if (description) metadata.description = description;
  const language = /<html[^>]+lang=["']([^"']+)["']/i.exec(raw)?.[1];
  if (language) metadata.language = language;
  return { text: await htmlToText(raw), metadata };
}

/** Engines that need a Python library or a vendor SDK upstream. */
const UNSUPPORTED_ENGINES = ["duckduckgo", "sougou"];

/** Results of the configured search engine for one query (search_web). */
export async function searchWeb(ctx: AppContext, query: string): Promise<SearchItem[]> {
  const engine = ctx.config.get("WEB_SEARCH_ENGINE");
  const count = Number(ctx.config.get("WEB_SEARCH_RESULT_COUNT")) || 3;
  const domains = (ctx.config.get("WEB_SEARCH_DOMAIN_FILTER_LIST") ?? []).map(String).filter(Boolean);
  if (engine === "searxng") return searxng(ctx, query, count, domains);
  if (engine === "external") return external(ctx, query, count, domains);
  const run = ENGINES[engine];
  if (run) return run({ ctx, query, count, domains });
  if (UNSUPPORTED_ENGINES.includes(engine)) throw new WebError(`The web search engine "${engine}" is not supported by this server`);
  throw new WebError("No search engine API key found in environment variables");
}

async function searxng(ctx: AppContext, query: string, count: number, domains: string[]): Promise<SearchItem[]> {
  const base = ctx.config.get("SEARXNG_QUERY_URL");
  if (!base) throw new WebError("No SEARXNG_QUERY_URL found in environment variables");
  const url = new URL(base.replace("<query>", ""));
  url.searchParams.set("q", query);
  url.searchParams.set("format", "json");
  const response = await fetch(url, { signal: AbortSignal.timeout(20_000), headers: { accept: "application/json" } });
  if (!response.ok) throw new WebError(`SearXNG answered ${response.status}`);
  const data = (await response.json()) as { results?: { url?: string; title?: string; content?: string }[] };
  const results = (data.results ?? []).filter((r) => r.url).map((r) => ({ link: r.url as string, title: r.title ?? null, snippet: r.content ?? null }));
  return filterByDomain(results, domains).slice(0, count);
}

async function external(ctx: AppContext, query: string, count: number, domains: string[]): Promise<SearchItem[]> {
  const url = ctx.config.get("EXTERNAL_WEB_SEARCH_URL");
  if (!url) throw new WebError("No EXTERNAL_WEB_SEARCH_URL found in environment variables");
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ctx.config.get("EXTERNAL_WEB_SEARCH_API_KEY")}` },
    body: JSON.stringify({ query, count }),
    signal: AbortSignal.timeout(20_000),
  });
  if (!response.ok) throw new WebError(`The external search service answered ${response.status}`);
  const data = (await response.json()) as { link?: string; title?: string; snippet?: string }[];
  const results = (Array.isArray(data) ? data : []).filter((r) => r?.link).map((r) => ({ link: r.link as string, title: r.title ?? null, snippet: r.snippet ?? null }));
  return filterByDomain(results, domains).slice(0, count);
}

/** Searches every query, loads the result pages, and stores them in one collection. */
export async function webSearch(ctx: AppContext, user: UserRow, queries: string[]) {
  const items: SearchItem[] = [];
  try {
    for (const query of queries) items.push(...(await searchWeb(ctx, query)));
  } catch (error) {
    throw new HttpError(400, errorMessage(error) || ERROR_MESSAGES.WEB_SEARCH_ERROR);
  }
  const urls = [...new Set(items.map((i) => i.link))];
  try {
    const docs = [];
    if (ctx.config.get("BYPASS_WEB_SEARCH_WEB_LOADER")) {
      for (const item of items) {
        if (item.snippet !== null) docs.push({ text: item.snippet, metadata: { source: item.link, title: item.title, snippet: item.snippet, link: item.link } });
      }
    } else {
      for (const url of urls) {
        const page = await loadWebPage(ctx, url).catch((error) => {
          ctx.log.warn(`loading ${url} failed: ${errorMessage(error)}`);
          return null;
        });
        if (page) docs.push(page);
      }
    }
    const loaded = docs.map((d) => String(d.metadata.source ?? "")).filter(Boolean);
    const kept = items.filter((item) => loaded.includes(item.link));
    if (ctx.config.get("BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL")) {
      return {
        status: true,
        collection_name: null,
        filenames: loaded,
        items: kept,
        docs: docs.map((d) => ({ content: d.text, metadata: d.metadata })),
        loaded_count: docs.length,
      };
    }
    const collection = `web-search-${sha256(queries.join("-"))}`.slice(0, 63);
    await saveDocuments(ctx, user, docs, collection, { overwrite: true }).catch((error) => {
      ctx.log.warn(`saving web search results failed: ${errorMessage(error)}`);
    });
    return { status: true, collection_names: [collection], items: kept, filenames: loaded, loaded_count: docs.length };
  } catch (error) {
    throw new HttpError(400, defaultError(errorMessage(error)));
  }
}
