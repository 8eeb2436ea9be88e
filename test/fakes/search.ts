// A SearXNG-compatible search engine on loopback for tests: every query finds one page, served
// by the same server.
export interface FakeSearch {
  url: string;
  queries: string[];
  failing: boolean;
  stop(): void;
}

/** A SearXNG JSON endpoint whose single result is a page served by the same server. */
export function startFakeSearch(): FakeSearch {
  const search: FakeSearch = { url: "", queries: [], failing: false, stop: () => server.stop(true) };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/page") {
        return new Response("<html><head><title>Zorblax</title></head><body><p>The Zorblax festival happens every March in Quimper.</p></body></html>", {
          headers: { "content-type": "text/html" },
        });
      }
      search.queries.push(url.searchParams.get("q") ?? "");
      if (search.failing) return new Response("down", { status: 500 });
      return Response.json({ results: [{ url: `${search.url}/page`, title: "Zorblax festival", content: "Every March." }] });
    },
  });
  search.url = `http://127.0.0.1:${server.port}`;
  return search;
}
