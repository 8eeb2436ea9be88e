// The limit: a bare Bun.serve answering recorded responses byte for byte (status, headers,
// body), chosen by method, path and whether an Authorization header came along.
import { readFileSync } from "node:fs";

export interface RecordedResponse {
  method: string;
  path: string;
  signedIn: boolean;
  status: number;
  headers: [string, string][];
  /** Base64 of the body bytes. */
  body: string;
}

export const responseKey = (method: string, path: string, signedIn: boolean) => `${method} ${path} ${signedIn ? "auth" : "anon"}`;

if (import.meta.main) {
  const recorded = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as RecordedResponse[];
  const table = new Map(
    recorded.map((r) => [responseKey(r.method, r.path, r.signedIn), { ...r, bytes: Buffer.from(r.body, "base64") }]),
  );
  const server = Bun.serve({
    port: Number(process.argv[3] ?? 0),
    hostname: "127.0.0.1",
    fetch(request) {
      const url = request.url;
      const path = url.slice(url.indexOf("/", url.indexOf("//") + 2));
      const hit = table.get(responseKey(request.method, path, request.headers.has("authorization")));
      if (!hit) return new Response(path === "/__ready" ? "ok" : "", { status: path === "/__ready" ? 200 : 404 });
      return new Response(hit.bytes, { status: hit.status, headers: hit.headers });
    },
  });
  console.log(server.port);
}
