// The floor of any relay, in its own process: a bare Bun.serve that passes the upstream's SSE
// body through. bun bench/completions/bare-relay.ts <upstream chat completions url>
const target = process.argv[2] as string;
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const upstream = await fetch(target, { method: "POST", body: await request.text(), headers: { "content-type": "application/json" } });
    return new Response(upstream.body, { headers: { "content-type": "text/event-stream" } });
  },
});
console.log(`ready ${server.port}`);

export {};
