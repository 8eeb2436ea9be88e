// The HTTP search APIs behind WEB_SEARCH_ENGINE (Open WebUI's retrieval/web/*.py at 0.6.32):
// each engine's request, its auth header, and the mapping of its answer to {link, title,
// snippet}. Filtering and trimming to WEB_SEARCH_RESULT_COUNT happen where each engine does them
// upstream, so some ask the API for `count` results and trust it. Engines that swallow errors
// upstream (exa, perplexity, firecrawl, …) answer no results instead of failing.
import { createHash, randomBytes } from "node:crypto";
import type { AppContext } from "../context";

export class WebError extends Error {}

export interface SearchItem {
  link: string;
  title: string | null;
  snippet: string | null;
}

export interface SearchCall {
  ctx: AppContext;
  query: string;
  count: number;
  /** WEB_SEARCH_DOMAIN_FILTER_LIST; empty keeps every result. */
  domains: string[];
}

type Raw = Record<string, unknown>;
type Engine = (call: SearchCall) => Promise<SearchItem[]>;

const TIMEOUT_MS = 20_000;
const throughByContext = new WeakMap<AppContext, string>();

/**
 * Tests only: send every request meant for a fixed public API host (https://host/path) to
 * `${base}/host/path` instead, so one loopback fake can stand in for all engines. Engines whose
 * URL is a setting upstream (bing, firecrawl, searxng, external) follow that setting instead.
 */
export function routeSearchApisThrough(ctx: AppContext, base: string): void {
  throughByContext.set(ctx, base.replace(/\/+$/, ""));
}

function target(ctx: AppContext, url: URL): string {
  const base = throughByContext.get(ctx);
  return base ? `${base}/${url.host}${url.pathname}${url.search}` : url.toString();
}

/** The key-bearing query parameters are masked in error texts, which any user may see. */
const SECRET_PARAMS = ["key", "api_key", "access_key"];

/** requests' raise_for_status text: "403 Client Error: Forbidden for url: …". */
function raiseForStatus(response: Response, url: URL): void {
  if (response.status < 400) return;
  const shown = new URL(url);
  for (const name of SECRET_PARAMS) if (shown.searchParams.has(name)) shown.searchParams.set(name, "***");
  const kind = response.status < 500 ? "Client" : "Server";
  throw new WebError(`${response.status} ${kind} Error: ${response.statusText} for url: ${shown}`);
}

interface Send {
  method?: "GET" | "POST";
  params?: Record<string, string | number>;
  headers?: Record<string, string>;
  json?: unknown;
  /** Most engines raise on an HTTP error; serpapi and searchapi read the body whatever the status. */
  raise?: boolean;
}

async function send(ctx: AppContext, address: string, options: Send, external = false): Promise<Raw> {
  const url = new URL(address);
  for (const [name, value] of Object.entries(options.params ?? {})) url.searchParams.set(name, String(value));
  const headers: Record<string, string> = { ...options.headers };
  if (options.json !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(external ? url.toString() : target(ctx, url), {
    method: options.method ?? "GET",
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (options.raise !== false) raiseForStatus(response, url);
  const data = (await response.json()) as unknown;
  return typeof data === "object" && data !== null ? (data as Raw) : {};
}

/** get_filtered_results: keep results whose URL's host[:port] ends with a listed domain. */
export function filterByDomain<T extends Raw | SearchItem>(items: T[], domains: string[]): T[] {
  if (domains.length === 0) return items;
  return items.filter((item) => {
    const r = item as Raw;
    const address = String(r.url || r.link || r.href || "");
    try {
      const url = new URL(address);
      if (url.protocol !== "http:" && url.protocol !== "https:") return false;
      return domains.some((d) => url.host.endsWith(d));
    } catch {
      return false;
    }
  });
}

const list = (value: unknown): Raw[] => (Array.isArray(value) ? value.filter((v) => typeof v === "object" && v !== null) : []);
const str = (value: unknown): string | null => (value === undefined || value === null ? null : String(value));
const byPosition = (key: string) => (a: Raw, b: Raw) => Number(a[key] ?? 0) - Number(b[key] ?? 0);
const item = (link: unknown, title: unknown, snippet: unknown): SearchItem => ({ link: String(link ?? ""), title: str(title), snippet: str(snippet) });

function required(value: unknown, message: string): string {
  if (!value) throw new WebError(message);
  return String(value);
}

/** Errors of the engines that log and answer nothing upstream. */
async function orNothing(run: () => Promise<SearchItem[]>): Promise<SearchItem[]> {
  try {
    return await run();
  } catch {
    return [];
  }
}

const brave: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("BRAVE_SEARCH_API_KEY"), "No BRAVE_SEARCH_API_KEY found in environment variables");
  const data = await send(ctx, "https://api.search.brave.com/res/v1/web/search", {
    headers: { accept: "application/json", "accept-encoding": "gzip", "x-subscription-token": key },
    params: { q: query, count },
  });
  const results = filterByDomain(list((data.web as Raw | undefined)?.results), domains);
  return results.slice(0, count).map((r) => item(r.url, r.title, r.description));
};

const tavily: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("TAVILY_API_KEY"), "No TAVILY_API_KEY found in environment variables");
  const data = await send(ctx, "https://api.tavily.com/search", {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    json: { query, max_results: count },
  });
  return filterByDomain(list(data.results), domains).map((r) => item(r.url, r.title ?? "", r.content));
};

const googlePse: Engine = async ({ ctx, query, count, domains }) => {
  const key = ctx.config.get("GOOGLE_PSE_API_KEY");
  const cx = ctx.config.get("GOOGLE_PSE_ENGINE_ID");
  if (!key || !cx) throw new WebError("No GOOGLE_PSE_API_KEY or GOOGLE_PSE_ENGINE_ID found in environment variables");
  // At most 10 results a page: ask page after page until `count` are in or a page is empty.
  const all: Raw[] = [];
  for (let left = count, start = 1; left > 0; start += 10) {
    const data = await send(ctx, "https://www.googleapis.com/customsearch/v1", {
      headers: { "content-type": "application/json" },
      params: { cx, q: query, key, num: Math.min(left, 10), start },
    });
    const page = list(data.items);
    if (page.length === 0) break;
    all.push(...page);
    left -= page.length;
  }
  return filterByDomain(all, domains).map((r) => item(r.link, r.title, r.snippet));
};

const serper: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("SERPER_API_KEY"), "No SERPER_API_KEY found in environment variables");
  const data = await send(ctx, "https://google.serper.dev/search", { method: "POST", headers: { "x-api-key": key }, json: { q: query } });
  const results = filterByDomain(list(data.organic).sort(byPosition("position")), domains);
  return results.slice(0, count).map((r) => item(r.link, r.title, r.description));
};

/** serpapi.com and searchapi.io share one shape: engine, q and api_key in the query string. */
function organicResults(address: string, keyName: "SERPAPI" | "SEARCHAPI"): Engine {
  return async ({ ctx, query, count, domains }) => {
    const key = required(ctx.config.get(`${keyName}_API_KEY`), `No ${keyName}_API_KEY found in environment variables`);
    const engine = ctx.config.get(`${keyName}_ENGINE`) || "google";
    const data = await send(ctx, address, { params: { engine, q: query, api_key: key }, raise: false });
    const results = filterByDomain(list(data.organic_results).sort(byPosition("position")), domains);
    return results.slice(0, count).map((r) => item(r.link, r.title, r.snippet));
  };
}

const bing: Engine = async ({ ctx, query, count, domains }) => {
  const data = await send(
    ctx,
    ctx.config.get("BING_SEARCH_V7_ENDPOINT"),
    {
      headers: { "ocp-apim-subscription-key": ctx.config.get("BING_SEARCH_V7_SUBSCRIPTION_KEY") },
      params: { q: query, mkt: String(ctx.config.get("DEFAULT_LOCALE") ?? ""), count },
    },
    true,
  );
  return filterByDomain(list((data.webPages as Raw | undefined)?.value), domains).map((r) => item(r.url, r.name, r.snippet));
};

const jina: Engine = async ({ ctx, query, count }) => {
  const data = await send(ctx, "https://s.jina.ai/", {
    method: "POST",
    headers: { accept: "application/json", authorization: ctx.config.get("JINA_API_KEY"), "x-retain-images": "none" },
    json: { q: query, count: Math.min(count, 10) },
  });
  if (!Array.isArray(data.data)) throw new WebError("'data'");
  return list(data.data).map((r) => item(r.url, r.title, r.content));
};

const exa: Engine = ({ ctx, query, count, domains }) =>
  orNothing(async () => {
    const data = await send(ctx, "https://api.exa.ai/search", {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.config.get("EXA_API_KEY")}` },
      json: { query, numResults: count || 5, includeDomains: domains, contents: { text: true, highlights: true }, type: "auto" },
    });
    return list(data.results).map((r) => item(r.url, r.title, r.text));
  });

const kagi: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("KAGI_SEARCH_API_KEY"), "No KAGI_SEARCH_API_KEY found in environment variables");
  const data = await send(ctx, "https://kagi.com/api/v0/search", { headers: { authorization: `Bot ${key}` }, params: { q: query, limit: count } });
  // t = 0 marks a search result; other kinds are related searches.
  const results = list(data.data).filter((r) => r.t === 0).map((r) => item(r.url, r.title, r.snippet));
  return filterByDomain(results, domains);
};

const mojeek: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("MOJEEK_SEARCH_API_KEY"), "No MOJEEK_SEARCH_API_KEY found in environment variables");
  const data = await send(ctx, "https://api.mojeek.com/search", { headers: { accept: "application/json" }, params: { q: query, api_key: key, fmt: "json", t: count } });
  return filterByDomain(list((data.response as Raw | undefined)?.results), domains).map((r) => item(r.url, r.title, r.desc));
};

const perplexity: Engine = ({ ctx, query, count, domains }) =>
  orNothing(async () => {
    const data = await send(ctx, "https://api.perplexity.ai/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.config.get("PERPLEXITY_API_KEY")}` },
      json: {
        model: ctx.config.get("PERPLEXITY_MODEL"),
        messages: [
          { role: "system", content: "You are a search assistant. Provide factual information with citations." },
          { role: "user", content: query },
        ],
        temperature: 0.2,
        stream: false,
        web_search_options: { search_context_usage: ctx.config.get("PERPLEXITY_SEARCH_CONTEXT_USAGE") },
      },
    });
    // The answer itself becomes the first citation's snippet; the others have none.
    const choice = list(data.choices)[0];
    const answer = String((choice?.message as Raw | undefined)?.content ?? "");
    const citations = (Array.isArray(data.citations) ? data.citations : []).slice(0, count);
    const results = citations.map((link, i) => ({ link: String(link), title: `Source ${i + 1}`, snippet: i === 0 ? answer : "" }));
    return filterByDomain(results, domains).slice(0, count);
  });

const perplexitySearch: Engine = ({ ctx, query, count }) => {
  const key = required(ctx.config.get("PERPLEXITY_API_KEY"), "No PERPLEXITY_API_KEY found in environment variables");
  return orNothing(async () => {
    const data = await send(ctx, "https://api.perplexity.ai/search", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      json: { query, max_results: count },
    });
    return list(data.results).map((r) => item(r.url, r.title, r.snippet));
  });
};

const serply: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("SERPLY_API_KEY"), "No SERPLY_API_KEY found in environment variables");
  // The query string follows the path without a "?" upstream; the API takes it that way.
  const params = new URLSearchParams({ q: query, language: "en", num: "10", gl: "US", hl: "us" });
  const data = await send(ctx, `https://api.serply.io/v1/search/${params}`, {
    headers: { "x-api-key": key, "x-user-agent": "desktop", "user-agent": "open-webui", "x-proxy-location": "US" },
  });
  const results = filterByDomain(list(data.results).sort(byPosition("realPosition")), domains);
  return results.slice(0, count).map((r) => item(r.link, r.title, r.description));
};

const firecrawl: Engine = ({ ctx, query, count, domains }) =>
  orNothing(async () => {
    const base = ctx.config.get("FIRECRAWL_API_BASE_URL");
    const data = await send(
      ctx,
      new URL("/v1/search", base).toString(),
      {
        method: "POST",
        headers: { "user-agent": "Open WebUI (https://github.com/open-webui/open-webui) RAG Bot", authorization: `Bearer ${ctx.config.get("FIRECRAWL_API_KEY")}` },
        json: { query, limit: count },
      },
      true,
    );
    return filterByDomain(list(data.data), domains).slice(0, count).map((r) => item(r.url, r.title, r.description));
  });

const bocha: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("BOCHA_SEARCH_API_KEY"), "No BOCHA_SEARCH_API_KEY found in environment variables");
  const data = await send(ctx, "https://api.bochaai.com/v1/web-search?utm_source=ollama", {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    json: { query, summary: true, freshness: "noLimit", count },
  });
  const pages = list(((data.data as Raw | undefined)?.webPages as Raw | undefined)?.value);
  return filterByDomain(pages, domains).slice(0, count).map((r) => item(r.url ?? "", r.name ?? "", r.summary ?? ""));
};

const serpstack: Engine = async ({ ctx, query, count, domains }) => {
  const key = required(ctx.config.get("SERPSTACK_API_KEY"), "No SERPSTACK_API_KEY found in environment variables");
  const scheme = ctx.config.get("SERPSTACK_HTTPS") ? "https" : "http";
  const data = await send(ctx, `${scheme}://api.serpstack.com/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    params: { access_key: key, query },
  });
  const results = filterByDomain(list(data.organic_results).sort(byPosition("position")), domains);
  return results.slice(0, count).map((r) => item(r.url, r.title, r.snippet));
};

const ollamaCloud: Engine = ({ ctx, query, count }) =>
  orNothing(async () => {
    const data = await send(ctx, "https://ollama.com/api/web_search", {
      method: "POST",
      headers: { authorization: `Bearer ${ctx.config.get("OLLAMA_CLOUD_WEB_SEARCH_API_KEY")}` },
      json: { query, max_results: count },
    });
    return list(data.results).map((r) => item(r.url ?? "", r.title ?? "", r.content ?? ""));
  });

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

/** HTTP Digest (MD5, qop=auth) answer to a server's challenge, as requests' HTTPDigestAuth sends. */
function digestAuthorization(challenge: string, method: string, url: URL, username: string, password: string): string {
  const field = (name: string) => new RegExp(`${name}="?([^",]*)"?`, "i").exec(challenge)?.[1];
  const realm = field("realm") ?? "";
  const nonce = field("nonce") ?? "";
  const opaque = field("opaque");
  const qop = field("qop")?.split(",").map((q) => q.trim()).includes("auth") ? "auth" : undefined;
  const uri = `${url.pathname}${url.search}`;
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const nc = "00000001";
  const cnonce = randomBytes(8).toString("hex");
  const response = qop ? md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${nonce}:${ha2}`);
  const parts = [`username="${username}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`, `response="${response}"`];
  if (opaque) parts.push(`opaque="${opaque}"`);
  parts.push(`algorithm="MD5"`);
  if (qop) parts.push(`qop="auth"`, `nc=${nc}`, `cnonce="${cnonce}"`);
  return `Digest ${parts.join(", ")}`;
}

const yacy: Engine = async ({ ctx, query, count, domains }) => {
  const base = required(ctx.config.get("YACY_QUERY_URL"), "No YACY_QUERY_URL found in environment variables");
  const url = new URL(base.endsWith("yacysearch.json") ? base : `${base.replace(/\/+$/, "")}/yacysearch.json`);
  const params = { query, contentdom: "text", resource: "global", maximumRecords: String(count), nav: "none" };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const headers: Record<string, string> = { "user-agent": "Open WebUI (https://github.com/open-webui/open-webui) RAG Bot", accept: "text/html" };
  const get = () => fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  let response = await get();
  const username = ctx.config.get("YACY_USERNAME");
  const password = ctx.config.get("YACY_PASSWORD");
  const challenge = response.headers.get("www-authenticate") ?? "";
  if (response.status === 401 && (username || password) && /^digest/i.test(challenge)) {
    headers.authorization = digestAuthorization(challenge, "GET", url, username, password);
    response = await get();
  }
  raiseForStatus(response, url);
  const data = (await response.json()) as Raw;
  const channel = list(data.channels)[0] ?? {};
  const results = list(channel.items).sort((a, b) => Number(b.ranking ?? 0) - Number(a.ranking ?? 0));
  return filterByDomain(results, domains).slice(0, count).map((r) => item(r.link, r.title, r.description));
};

export const ENGINES: Record<string, Engine> = {
  yacy,
  brave,
  tavily,
  google_pse: googlePse,
  serper,
  serpapi: organicResults("https://serpapi.com/search", "SERPAPI"),
  searchapi: organicResults("https://www.searchapi.io/api/v1/search", "SEARCHAPI"),
  bing,
  jina,
  exa,
  kagi,
  mojeek,
  perplexity,
  perplexity_search: perplexitySearch,
  serply,
  firecrawl,
  bocha,
  serpstack,
  ollama_cloud: ollamaCloud,
};
