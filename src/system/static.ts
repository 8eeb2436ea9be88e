// Files from disk: /static/* and the frontend build (an SPA: unknown page paths get index.html).
import { statSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { Env } from "../core/env";

/** A regular file strictly inside `root`, or null (no traversal, no directories). */
export function fileInside(root: string, relativePath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativePath);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const base = resolve(root);
  const full = resolve(base, `.${sep}${decoded}`);
  if (full !== base && !full.startsWith(base + sep)) return null;
  try {
    return statSync(full).isFile() ? full : null;
  } catch {
    return null;
  }
}

export function serveStatic(env: Env, path: string): Response | null {
  const file =
    fileInside(env.staticDir, path) ?? fileInside(join(env.frontendBuildDir, "static"), path);
  return file ? fileResponse(file) : null;
}

const API_PREFIXES = ["/api/", "/ollama/", "/openai/", "/ws/", "/oauth/", "/static/", "/cache/"];

/** What the SPA mount answers for a GET no route matched, or null for a JSON 404. */
export function serveFrontend(env: Env, path: string): Response | null {
  if (path === "/api" || API_PREFIXES.some((p) => path.startsWith(p))) return null;
  const file = fileInside(env.frontendBuildDir, path);
  if (file) return fileResponse(file);
  if (path.endsWith(".js")) return null;
  const index = fileInside(env.frontendBuildDir, "index.html");
  return index ? fileResponse(index, "no-cache") : null;
}

function fileResponse(path: string, cacheControl?: string): Response {
  const file = Bun.file(path);
  const headers: Record<string, string> = {};
  if (cacheControl) headers["cache-control"] = cacheControl;
  else if (path.includes(`${sep}_app${sep}immutable${sep}`)) headers["cache-control"] = "public, max-age=31536000, immutable";
  return new Response(file, { headers });
}
