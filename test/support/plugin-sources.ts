// A local HTTP server that hands out plugin sources for `/load/url`: each path answers its text,
// `/empty.py` an empty body, anything else 404.
export interface SourceServer {
  url(path: string): string;
  stop(): void;
}

export function serveSources(files: Record<string, string>): SourceServer {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const path = new URL(request.url).pathname;
      if (path === "/empty.py") return new Response("");
      const text = files[path];
      return text === undefined ? new Response("nothing here", { status: 404 }) : new Response(text);
    },
  });
  return {
    url: (path) => `http://127.0.0.1:${server.port}${path}`,
    stop: () => server.stop(true),
  };
}
