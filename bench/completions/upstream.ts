// A fast fake OpenAI-compatible upstream for the benchmarks, in its own process:
//   bun bench/completions/upstream.ts <port>
// GET /v1/models lists "bench-model"; POST /v1/chat/completions streams `tokens` chunks
// (default 1000; the request's `max_tokens` sets it) as fast as the reader takes them, or
// `tokens_per_ms` at a time every millisecond (a paced model).
const port = Number(process.argv[2] ?? 0);
const encoder = new TextEncoder();
const cache = new Map<number, Uint8Array[]>();

function chunks(n: number, reasoning: number): Uint8Array[] {
  const key = n * 1_000_003 + reasoning;
  let list = cache.get(key);
  if (list) return list;
  list = [];
  const frame = (delta: Record<string, unknown>, finish: string | null = null) =>
    encoder.encode(`data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1, model: "bench-model", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
  list.push(frame({ role: "assistant", content: "" }));
  for (let i = 0; i < reasoning; i++) list.push(frame({ reasoning_content: `thought${i % 10} ` }));
  for (let i = 0; i < n; i++) list.push(frame({ content: `word${i % 10} ` }));
  list.push(frame({}, "stop"));
  list.push(encoder.encode("data: [DONE]\n\n"));
  cache.set(key, list);
  return list;
}

const server = Bun.serve({
  port,
  hostname: "127.0.0.1",
  idleTimeout: 0,
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/v1/models") return Response.json({ object: "list", data: [{ id: "bench-model", object: "model", created: 1, owned_by: "bench" }] });
    if (url.pathname === "/v1/chat/completions") {
      const body = (await request.json()) as { max_tokens?: number; reasoning_tokens?: number; tokens_per_ms?: number };
      const list = chunks(body.max_tokens ?? 1000, body.reasoning_tokens ?? 0);
      const pace = body.tokens_per_ms ?? 0;
      let i = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (pace) {
            await Bun.sleep(1);
            for (let n = 0; n < pace && i < list.length; n++) controller.enqueue(list[i++] as Uint8Array);
            if (i >= list.length) controller.close();
            return;
          }
          if (i < list.length) controller.enqueue(list[i++] as Uint8Array);
          else controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream" } });
    }
    return new Response("not found", { status: 404 });
  },
});
console.log(`ready ${server.port}`);

export {};
