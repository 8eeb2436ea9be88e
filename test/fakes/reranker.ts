// A fake rerank API on loopback (POST /v1/rerank, Cohere/Jina shape): each document scores what
// the test's scoring function says, results come back best first, matched by index.

export interface RerankCall {
  body: { model: string; query: string; documents: string[]; top_n: number };
  authorization: string | null;
  userId: string | null;
}

export interface FakeReranker {
  url: string;
  calls: RerankCall[];
  scoreWith(score: (query: string, document: string) => number): void;
  /** Make the next requests fail with this status (0 = answer normally). */
  failWith(status: number): void;
  /** Answer only after this many milliseconds (0 = at once). */
  delay(ms: number): void;
  stop(): void;
}

export function startFakeReranker(): FakeReranker {
  const calls: RerankCall[] = [];
  let failure = 0;
  let delayMs = 0;
  let score: (query: string, document: string) => number = () => 0.5;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      if (request.method !== "POST" || new URL(request.url).pathname !== "/v1/rerank") {
        return new Response("not found", { status: 404 });
      }
      const body = (await request.json()) as RerankCall["body"];
      calls.push({
        body,
        authorization: request.headers.get("authorization"),
        userId: request.headers.get("x-openwebui-user-id"),
      });
      if (delayMs) await Bun.sleep(delayMs);
      if (failure) return Response.json({ detail: "fake failure" }, { status: failure });
      const results = body.documents
        .map((document, index) => ({ index, relevance_score: score(body.query, document), document: { text: document } }))
        .sort((a, b) => b.relevance_score - a.relevance_score)
        .slice(0, body.top_n);
      return Response.json({ model: body.model, results });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/v1/rerank`,
    calls,
    scoreWith: (fn) => {
      score = fn;
    },
    failWith: (status) => {
      failure = status;
    },
    delay: (ms) => {
      delayMs = ms;
    },
    stop: () => server.stop(true),
  };
}
