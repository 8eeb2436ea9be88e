// A fake embedding upstream on loopback speaking OpenAI's POST /v1/embeddings and Ollama's
// POST /api/embed. Vectors are deterministic bags of words (each word hashed into one of
// `dimensions` slots), so texts sharing words are close and search results are predictable.

export interface EmbeddingCall {
  path: string;
  model: string;
  inputs: string[];
  authorization: string | null;
}

export interface FakeEmbedder {
  url: string;
  calls: EmbeddingCall[];
  /** Make the next requests fail with this status (0 = answer normally). */
  failWith(status: number): void;
  stop(): void;
}

export function embedText(text: string, dimensions = 64): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let hash = 2166136261;
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 16777619);
    vector[(hash >>> 0) % dimensions]! += 1;
  }
  if (!vector.some((v) => v !== 0)) vector[0] = 1;
  return vector;
}

export function startFakeEmbedder(dimensions = 64): FakeEmbedder {
  const calls: EmbeddingCall[] = [];
  let failure = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== "POST" || (path !== "/v1/embeddings" && path !== "/api/embed")) {
        return new Response("not found", { status: 404 });
      }
      const body = (await request.json()) as { input: string | string[]; model: string };
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      calls.push({ path, model: body.model, inputs, authorization: request.headers.get("authorization") });
      if (failure) return Response.json({ error: { message: "fake failure" } }, { status: failure });
      const vectors = inputs.map((t) => embedText(t, dimensions));
      if (path === "/api/embed") return Response.json({ model: body.model, embeddings: vectors });
      return Response.json({
        object: "list",
        model: body.model,
        data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    calls,
    failWith: (status) => {
      failure = status;
    },
    stop: () => server.stop(true),
  };
}
