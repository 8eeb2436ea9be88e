// CORS the way Open WebUI's Starlette middleware answers it (allow_methods and allow_headers "*"):
// a request without an Origin header (every same-origin GET of the app) gets no CORS headers and
// costs nothing; an allowed origin gets its headers; a preflight is answered before routing.
// One deliberate difference: credentials are allowed only with a list of origins, never with "*".
import { Elysia } from "elysia";

const ALL_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
const MAX_AGE_SECONDS = "600";
/** The frontend reads a download's file name from it. */
const EXPOSED = "Content-Disposition";

export function corsFor(allowOrigins: string[]) {
  const any = allowOrigins.includes("*");
  const listed = new Set(allowOrigins);

  /** The headers an allowed origin gets on every answer. */
  const allowedHeaders = (origin: string): Record<string, string> =>
    any
      ? { "access-control-allow-origin": "*", "access-control-expose-headers": EXPOSED }
      : {
          "access-control-allow-origin": origin,
          "access-control-allow-credentials": "true",
          "access-control-expose-headers": EXPOSED,
          vary: "Origin",
        };

  return new Elysia({ name: "cors", seed: allowOrigins }).onRequest(({ request, set }) => {
    const origin = request.headers.get("origin");
    if (origin === null) return;
    const allowed = any || listed.has(origin);
    if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      const headers: Record<string, string> = allowed ? allowedHeaders(origin) : { vary: "Origin" };
      headers["access-control-allow-methods"] = ALL_METHODS;
      headers["access-control-max-age"] = MAX_AGE_SECONDS;
      const requested = request.headers.get("access-control-request-headers");
      if (requested) headers["access-control-allow-headers"] = requested;
      return new Response(null, { status: 204, headers });
    }
    if (allowed) Object.assign(set.headers, allowedHeaders(origin));
  });
}
