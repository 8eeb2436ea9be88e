// POST /api/v1/retrieval/process/web/search with each HTTP search engine, against one loopback
// fake of their APIs: the outgoing request (auth, parameters), the results mapped to
// {link, title, snippet}, WEB_SEARCH_RESULT_COUNT, WEB_SEARCH_DOMAIN_FILTER_LIST and errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { routeSearchApisThrough } from "../../src/retrieval/web-engines";
import { startTestApp, type TestApp } from "../support/app";
import { dialects } from "../support/databases";
import { startFakeSearchApis, type FakeSearchApis, type SeenRequest } from "../fakes/search-apis";
import { insertUser } from "../support/users";

const QUERY = "zorblax festival";
const A = "https://a.example.com/1";
const B = "https://b.example.org/2";
const C = "https://c.example.net/3";

interface EngineCase {
  engine: string;
  web: Record<string, unknown>;
  answers: Record<string, unknown>;
  request(seen: SeenRequest): void;
  items: unknown[];
}

// Started before the cases are listed: bing and firecrawl take its address as a setting.
const fake: FakeSearchApis = startFakeSearchApis();

const cases: EngineCase[] = [
  {
    engine: "brave",
    web: { BRAVE_SEARCH_API_KEY: "brave-key", WEB_SEARCH_RESULT_COUNT: 2 },
    answers: {
      "api.search.brave.com/res/v1/web/search": {
        web: { results: [{ url: A, title: "A", description: "a" }, { url: B, title: "B", description: "b" }, { url: C, title: "C", description: "c" }] },
      },
    },
    request: (r) => {
      expect(r).toMatchObject({ method: "GET", path: "/res/v1/web/search", params: { q: QUERY, count: "2" } });
      expect(r.headers["x-subscription-token"]).toBe("brave-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }, { link: B, title: "B", snippet: "b" }],
  },
  {
    engine: "tavily",
    web: { TAVILY_API_KEY: "tvly-key" },
    answers: { "api.tavily.com/search": { results: [{ url: A, title: "A", content: "a" }, { url: B, content: "b" }] } },
    request: (r) => {
      expect(r).toMatchObject({ method: "POST", path: "/search", body: { query: QUERY, max_results: 3 } });
      expect(r.headers.authorization).toBe("Bearer tvly-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }, { link: B, title: "", snippet: "b" }],
  },
  {
    engine: "serper",
    web: { SERPER_API_KEY: "serper-key", WEB_SEARCH_RESULT_COUNT: 2 },
    answers: {
      "google.serper.dev/search": {
        organic: [{ link: C, title: "C", description: "c", position: 3 }, { link: A, title: "A", description: "a", position: 1 }, { link: B, title: "B", description: "b", position: 2 }],
      },
    },
    request: (r) => {
      expect(r).toMatchObject({ method: "POST", path: "/search", body: { q: QUERY } });
      expect(r.headers["x-api-key"]).toBe("serper-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }, { link: B, title: "B", snippet: "b" }],
  },
  {
    engine: "serpapi",
    web: { SERPAPI_API_KEY: "serpapi-key", SERPAPI_ENGINE: "" },
    answers: { "serpapi.com/search": { organic_results: [{ link: B, title: "B", snippet: "b", position: 2 }, { link: A, title: "A", snippet: "a", position: 1 }] } },
    request: (r) => expect(r).toMatchObject({ method: "GET", path: "/search", params: { engine: "google", q: QUERY, api_key: "serpapi-key" } }),
    items: [{ link: A, title: "A", snippet: "a" }, { link: B, title: "B", snippet: "b" }],
  },
  {
    engine: "searchapi",
    web: { SEARCHAPI_API_KEY: "searchapi-key", SEARCHAPI_ENGINE: "bing" },
    answers: { "www.searchapi.io/api/v1/search": { organic_results: [{ link: A, title: "A", snippet: "a", position: 1 }] } },
    request: (r) => expect(r).toMatchObject({ path: "/api/v1/search", params: { engine: "bing", q: QUERY, api_key: "searchapi-key" } }),
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "bing",
    web: { BING_SEARCH_V7_SUBSCRIPTION_KEY: "bing-key", BING_SEARCH_V7_ENDPOINT: `${fake.url}/bing/v7.0/search` },
    answers: { "bing/v7.0/search": { webPages: { value: [{ url: A, name: "A", snippet: "a" }] } } },
    request: (r) => {
      expect(r).toMatchObject({ path: "/v7.0/search", params: { q: QUERY, count: "3", mkt: "" } });
      expect(r.headers["ocp-apim-subscription-key"]).toBe("bing-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "jina",
    web: { JINA_API_KEY: "jina_key", WEB_SEARCH_RESULT_COUNT: 12 },
    answers: { "s.jina.ai/": { data: [{ url: A, title: "A", content: "a" }] } },
    request: (r) => {
      expect(r).toMatchObject({ method: "POST", path: "/", body: { q: QUERY, count: 10 } });
      expect(r.headers).toMatchObject({ authorization: "jina_key", "x-retain-images": "none" });
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "exa",
    web: { EXA_API_KEY: "exa-key", WEB_SEARCH_DOMAIN_FILTER_LIST: ["example.com"] },
    answers: { "api.exa.ai/search": { results: [{ url: A, title: "A", text: "a" }] } },
    request: (r) => {
      expect(r.body).toMatchObject({ query: QUERY, numResults: 3, includeDomains: ["example.com"], type: "auto" });
      expect(r.headers.authorization).toBe("Bearer exa-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "kagi",
    web: { KAGI_SEARCH_API_KEY: "kagi-key" },
    answers: { "kagi.com/api/v0/search": { data: [{ t: 0, url: A, title: "A", snippet: "a" }, { t: 1, list: ["related"] }, { t: 0, url: B, title: "B" }] } },
    request: (r) => {
      expect(r).toMatchObject({ path: "/api/v0/search", params: { q: QUERY, limit: "3" } });
      expect(r.headers.authorization).toBe("Bot kagi-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "mojeek",
    web: { MOJEEK_SEARCH_API_KEY: "mojeek-key" },
    answers: { "api.mojeek.com/search": { response: { results: [{ url: A, title: "A", desc: "a" }] } } },
    request: (r) => expect(r).toMatchObject({ path: "/search", params: { q: QUERY, api_key: "mojeek-key", fmt: "json", t: "3" } }),
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "perplexity",
    web: { PERPLEXITY_API_KEY: "pplx-key", WEB_SEARCH_RESULT_COUNT: 2 },
    answers: { "api.perplexity.ai/chat/completions": { citations: [A, B, C], choices: [{ message: { content: "In March." } }] } },
    request: (r) => {
      expect(r.body).toMatchObject({ model: "sonar", temperature: 0.2, stream: false, web_search_options: { search_context_usage: "medium" } });
      expect((r.body as { messages: unknown[] }).messages[1]).toEqual({ role: "user", content: QUERY });
      expect(r.headers.authorization).toBe("Bearer pplx-key");
    },
    items: [{ link: A, title: "Source 1", snippet: "In March." }, { link: B, title: "Source 2", snippet: "" }],
  },
  {
    engine: "serply",
    web: { SERPLY_API_KEY: "serply-key", WEB_SEARCH_RESULT_COUNT: 1 },
    answers: { "api.serply.io/v1/search/": { results: [{ link: B, title: "B", description: "b", realPosition: 2 }, { link: A, title: "A", description: "a", realPosition: 1 }] } },
    request: (r) => {
      expect(r.path).toBe("/v1/search/q=zorblax+festival&language=en&num=10&gl=US&hl=us");
      expect(r.headers).toMatchObject({ "x-api-key": "serply-key", "x-proxy-location": "US", "x-user-agent": "desktop" });
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "firecrawl",
    web: { FIRECRAWL_API_KEY: "fc-key", FIRECRAWL_API_BASE_URL: fake.url },
    answers: { "v1/search": { data: [{ url: A, title: "A", description: "a" }] } },
    request: (r) => {
      expect(r).toMatchObject({ method: "POST", body: { query: QUERY, limit: 3 } });
      expect(r.headers.authorization).toBe("Bearer fc-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "perplexity_search",
    web: { PERPLEXITY_API_KEY: "pplx-key" },
    answers: { "api.perplexity.ai/search": { results: [{ url: A, title: "A", snippet: "a" }] } },
    request: (r) => expect(r.body).toEqual({ query: QUERY, max_results: 3 }),
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "bocha",
    web: { BOCHA_SEARCH_API_KEY: "bocha-key" },
    answers: { "api.bochaai.com/v1/web-search": { data: { webPages: { value: [{ url: A, name: "A", summary: "a" }] } } } },
    request: (r) => {
      expect(r.body).toEqual({ query: QUERY, summary: true, freshness: "noLimit", count: 3 });
      expect(r.headers.authorization).toBe("Bearer bocha-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "serpstack",
    web: { SERPSTACK_API_KEY: "stack-key" },
    answers: { "api.serpstack.com/search": { organic_results: [{ url: A, title: "A", snippet: "a", position: 1 }] } },
    request: (r) => expect(r).toMatchObject({ method: "POST", params: { access_key: "stack-key", query: QUERY } }),
    items: [{ link: A, title: "A", snippet: "a" }],
  },
  {
    engine: "ollama_cloud",
    web: { OLLAMA_CLOUD_WEB_SEARCH_API_KEY: "ollama-key" },
    answers: { "ollama.com/api/web_search": { results: [{ url: A, title: "A", content: "a" }] } },
    request: (r) => {
      expect(r.body).toEqual({ query: QUERY, max_results: 3 });
      expect(r.headers.authorization).toBe("Bearer ollama-key");
    },
    items: [{ link: A, title: "A", snippet: "a" }],
  },
];

describe(`web search engines (${dialects[0]})`, () => {
  let t: TestApp;
  let admin: string;
  let alice: string;

  const configure = async (web: Record<string, unknown>) => {
    const res = await t.request("POST", "/api/v1/retrieval/config/update", { token: admin, body: { web } });
    expect(res.status).toBe(200);
    return res.body;
  };
  const search = () => t.request("POST", "/api/v1/retrieval/process/web/search", { token: alice, body: { queries: [QUERY] } });
  const defaults = { WEB_SEARCH_RESULT_COUNT: 3, WEB_SEARCH_DOMAIN_FILTER_LIST: [], BYPASS_WEB_SEARCH_WEB_LOADER: true, BYPASS_WEB_SEARCH_EMBEDDING_AND_RETRIEVAL: true };

  beforeAll(async () => {
    t = await startTestApp(dialects[0] ?? "sqlite");
    admin = t.tokenFor((await insertUser(t.ctx, { role: "admin" })).id);
    alice = t.tokenFor((await insertUser(t.ctx)).id);
    routeSearchApisThrough(t.ctx, fake.url);
  });

  afterAll(async () => {
    fake.stop();
    await t.close();
    await t.database.drop();
  });

  for (const engine of cases) {
    test(`${engine.engine}: request and mapped results`, async () => {
      const { engine: name, web, answers } = engine;
      fake.answers = answers;
      const config = await configure({ ...defaults, WEB_SEARCH_ENGINE: name, ...web });
      expect(config.web).toMatchObject({ WEB_SEARCH_ENGINE: name, ...web });
      const res = await search();
      expect(res.status).toBe(200);
      engine.request(fake.last());
      expect(res.body.items).toEqual(engine.items);
      expect(res.body.filenames).toEqual(engine.items.map((i) => (i as { link: string }).link));
    });
  }

  test("google_pse pages by ten until the result count is reached", async () => {
    fake.answers = {
      "www.googleapis.com/customsearch/v1": (r: SeenRequest) => ({
        items: Array.from({ length: Number(r.params.num) }, (_, i) => ({ link: `https://p${r.params.start}-${i}.example.com/`, title: `T${i}`, snippet: "s" })),
      }),
    };
    await configure({ ...defaults, WEB_SEARCH_ENGINE: "google_pse", GOOGLE_PSE_API_KEY: "g-key", GOOGLE_PSE_ENGINE_ID: "cx-1", WEB_SEARCH_RESULT_COUNT: 12 });
    fake.requests = [];
    const res = await search();
    expect(res.status).toBe(200);
    expect(fake.requests.map((r) => r.params)).toEqual([
      { cx: "cx-1", q: QUERY, key: "g-key", num: "10", start: "1" },
      { cx: "cx-1", q: QUERY, key: "g-key", num: "2", start: "11" },
    ]);
    expect(res.body.items).toHaveLength(12);
    expect(res.body.items[0]).toEqual({ link: "https://p1-0.example.com/", title: "T0", snippet: "s" });
  });

  test("WEB_SEARCH_DOMAIN_FILTER_LIST keeps results whose host ends with a listed domain", async () => {
    fake.answers = {
      "api.search.brave.com/res/v1/web/search": { web: { results: [{ url: A, title: "A", description: "a" }, { url: B, title: "B", description: "b" }, { url: "not a url", title: "X" }] } },
    };
    await configure({ ...defaults, WEB_SEARCH_ENGINE: "brave", BRAVE_SEARCH_API_KEY: "k", WEB_SEARCH_DOMAIN_FILTER_LIST: ["example.org"] });
    const res = await search();
    expect(res.body.items).toEqual([{ link: B, title: "B", snippet: "b" }]);
  });

  test("an engine's HTTP error answers 400 with requests' error text, keys masked", async () => {
    fake.failures = { "api.search.brave.com/res/v1/web/search": 403, "www.googleapis.com/customsearch/v1": 500 };
    await configure({ ...defaults, WEB_SEARCH_ENGINE: "brave", BRAVE_SEARCH_API_KEY: "k" });
    const brave = await search();
    expect(brave.status).toBe(400);
    expect(brave.body.detail).toBe("403 Client Error: Forbidden for url: https://api.search.brave.com/res/v1/web/search?q=zorblax+festival&count=3");
    await configure({ WEB_SEARCH_ENGINE: "google_pse", GOOGLE_PSE_API_KEY: "secret", GOOGLE_PSE_ENGINE_ID: "cx" });
    const google = await search();
    expect(google.status).toBe(400);
    expect(google.body.detail).toBe(
      "500 Server Error: Internal Server Error for url: https://www.googleapis.com/customsearch/v1?cx=cx&q=zorblax+festival&key=***&num=3&start=1",
    );
    // Engines that swallow errors upstream find nothing instead.
    fake.failures = { "api.exa.ai/search": 401 };
    await configure({ WEB_SEARCH_ENGINE: "exa", EXA_API_KEY: "k" });
    const exa = await search();
    expect(exa.status).toBe(200);
    expect(exa.body.items).toEqual([]);
    fake.failures = {};
  });

  test("yacy: a digest challenge is answered with the configured credentials", async () => {
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    const seen: { params: Record<string, string>; authorized: boolean }[] = [];
    const yacy = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(request) {
        const url = new URL(request.url);
        const auth = request.headers.get("authorization") ?? "";
        const field = (name: string) => new RegExp(`${name}="?([^",]*)"?`).exec(auth)?.[1] ?? "";
        const ha1 = md5("yuser:yacy:ypass");
        const ha2 = md5(`GET:${url.pathname}${url.search}`);
        const expected = md5(`${ha1}:n0nce:${field("nc")}:${field("cnonce")}:auth:${ha2}`);
        const authorized = auth.startsWith("Digest ") && field("uri") === `${url.pathname}${url.search}` && field("response") === expected;
        seen.push({ params: Object.fromEntries(url.searchParams), authorized });
        if (!authorized) return new Response("", { status: 401, headers: { "www-authenticate": 'Digest realm="yacy", nonce="n0nce", qop="auth"' } });
        return Response.json({
          channels: [{ items: [{ link: A, title: "A", description: "a", ranking: 1 }, { link: B, title: "B", description: "b", ranking: 5 }, { link: C, title: "C", ranking: 3 }] }],
        });
      },
    });
    try {
      await configure({ ...defaults, WEB_SEARCH_ENGINE: "yacy", YACY_QUERY_URL: `http://127.0.0.1:${yacy.port}/`, YACY_USERNAME: "yuser", YACY_PASSWORD: "ypass", WEB_SEARCH_RESULT_COUNT: 1 });
      const res = await search();
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([{ link: B, title: "B", snippet: "b" }]);
      expect(seen.map((s) => s.authorized)).toEqual([false, true]);
      expect(seen[1]?.params).toEqual({ query: QUERY, contentdom: "text", resource: "global", maximumRecords: "1", nav: "none" });
      await configure({ YACY_PASSWORD: "wrong" });
      const denied = await search();
      expect(denied.status).toBe(400);
      expect(denied.body.detail).toStartWith("401 Client Error: Unauthorized for url: http://127.0.0.1:");
    } finally {
      yacy.stop(true);
    }
  });

  test("a missing key or an unsupported engine answers a clear 400", async () => {
    await configure({ WEB_SEARCH_ENGINE: "tavily", TAVILY_API_KEY: "" });
    const missing = await search();
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toBe("No TAVILY_API_KEY found in environment variables");
    for (const engine of ["duckduckgo", "sougou"]) {
      await configure({ WEB_SEARCH_ENGINE: engine });
      const res = await search();
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe(`The web search engine "${engine}" is not supported by this server`);
    }
    await configure({ WEB_SEARCH_ENGINE: "nonsense" });
    expect((await search()).body.detail).toBe("No search engine API key found in environment variables");
  });
});
