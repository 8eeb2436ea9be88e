// The search engines' HTTP APIs on loopback for tests. The app reaches it as
// `${url}/<public host>/<path>` (routeSearchApisThrough), or directly for engines whose URL is a
// setting (bing, firecrawl). Each answer is looked up by "<host><path>"; every request is kept.
export interface SeenRequest {
  host: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  params: Record<string, string>;
  body: unknown;
}

export interface FakeSearchApis {
  url: string;
  requests: SeenRequest[];
  /** Canned JSON (or a function of the request) by "<host><path>" prefix, e.g. "api.tavily.com/search". */
  answers: Record<string, unknown>;
  /** A status to fail with, by "<host><path>". */
  failures: Record<string, number>;
  last(): SeenRequest;
  stop(): void;
}

export function startFakeSearchApis(): FakeSearchApis {
  const fake: FakeSearchApis = {
    url: "",
    requests: [],
    answers: {},
    failures: {},
    last: () => {
      const request = fake.requests.at(-1);
      if (!request) throw new Error("no request reached the fake search APIs");
      return request;
    },
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      const [, host = "", ...rest] = url.pathname.split("/");
      const path = `/${rest.join("/")}`;
      const text = await request.text();
      fake.requests.push({
        host,
        path,
        method: request.method,
        headers: Object.fromEntries(request.headers),
        params: Object.fromEntries(url.searchParams),
        body: text ? JSON.parse(text) : null,
      });
      const key = `${host}${path}`;
      const failure = fake.failures[key];
      if (failure) return Response.json({ error: "failing on purpose" }, { status: failure });
      const match = Object.keys(fake.answers).filter((k) => key.startsWith(k)).sort((a, b) => b.length - a.length)[0];
      if (match === undefined) return Response.json({ error: `no answer for ${key}` }, { status: 404 });
      const answer = fake.answers[match];
      return Response.json(typeof answer === "function" ? answer(fake.last()) : answer);
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}
