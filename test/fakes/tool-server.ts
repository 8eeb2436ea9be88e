// A small OpenAPI tool server on loopback: /openapi.json (or another spec path) describing a
// weather lookup (path + query parameters) and a note writer (JSON body through a $ref), plus
// an operation that always fails. Every request is recorded. With `cors` a browser page of another
// origin may call it (a user's own tool server, called by the frontend).

export interface ToolServerRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: any;
}

export interface FakeToolServer {
  url: string;
  requests: ToolServerRequest[];
  /** The spec served at /openapi.json (change it to test refreshes). */
  spec: Record<string, any>;
  /** Answer the spec with this status instead (e.g. 500). */
  specStatus: number;
  /** Milliseconds before the spec answers. */
  specDelayMs: number;
  /** Required `Authorization` header for every route; null = none. */
  requireAuth: string | null;
  stop(): Promise<void>;
}

export function weatherSpec(): Record<string, any> {
  return {
    openapi: "3.1.0",
    info: { title: "Weather Tools", description: "Weather and notes", version: "1.0.0" },
    paths: {
      "/weather/{city}": {
        get: {
          operationId: "get_weather",
          summary: "Current weather in a city",
          parameters: [
            { name: "city", in: "path", required: true, schema: { type: "string", description: "City name" } },
            { name: "units", in: "query", required: false, schema: { type: "string", enum: ["c", "f"] }, description: "Units" },
          ],
        },
      },
      "/notes": {
        post: {
          operationId: "add_note",
          description: "Save a note",
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Note" } } } },
        },
      },
      "/broken": { get: { operationId: "broken_tool", summary: "Always fails" } },
      "/health": { get: { summary: "No operationId: not a tool" } },
    },
    components: {
      schemas: {
        Note: {
          type: "object",
          properties: { title: { type: "string", description: "Title" }, body: { type: "string" } },
          required: ["title"],
        },
      },
    },
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, content-type",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
};

export function startFakeToolServer({ cors = false } = {}): FakeToolServer {
  const fake: FakeToolServer = {
    url: "",
    requests: [],
    spec: weatherSpec(),
    specStatus: 200,
    specDelayMs: 0,
    requireAuth: null,
    stop: async () => {
      await server.stop(true);
    },
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      if (!cors) return answer(request);
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS_HEADERS });
      const response = await answer(request);
      for (const [name, value] of Object.entries(CORS_HEADERS)) response.headers.set(name, value);
      return response;
    },
  });
  async function answer(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = request.method === "GET" ? "" : await request.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    fake.requests.push({
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(request.headers),
      body,
    });
    if (fake.requireAuth !== null && request.headers.get("authorization") !== fake.requireAuth) {
      return Response.json({ detail: "Not authenticated" }, { status: 401 });
    }
    if (url.pathname === "/openapi.json" || url.pathname === "/specs/tools.json") {
      if (fake.specDelayMs) await sleep(fake.specDelayMs);
      if (fake.specStatus !== 200) return Response.json({ detail: "spec unavailable" }, { status: fake.specStatus });
      return Response.json(fake.spec);
    }
    if (url.pathname === "/openapi.yaml") {
      return new Response("openapi: 3.1.0\ninfo:\n  title: Yaml Tools\npaths: {}\n", { headers: { "content-type": "application/yaml" } });
    }
    const weather = /^\/weather\/([^/]+)$/.exec(url.pathname);
    if (weather && request.method === "GET") {
      const city = decodeURIComponent(weather[1] as string);
      return Response.json({ city, temperature: 21, units: url.searchParams.get("units") ?? "c" });
    }
    if (url.pathname === "/notes" && request.method === "POST") return Response.json({ id: 1, saved: body });
    if (url.pathname === "/broken") return new Response("exploded", { status: 500 });
    return Response.json({ detail: "Not Found" }, { status: 404 });
  }
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}
