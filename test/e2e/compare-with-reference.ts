// Compares our answers with the Python reference's for the requests the real frontend made during
// the e2e journeys (recorded under test-results/e2e/requests/ by test/e2e/support.ts).
//
//   bun test/e2e/compare-with-reference.ts <ours-url> <reference-url> <email> <password>
//
// Both servers need an admin account with that email and password. Every GET that names no
// object (no id in its path) is replayed on both as that admin, and the status, content type
// and JSON shape (keys and value types, not values) are compared. Requests that name an object
// are listed with the statuses our server gave during the journeys. Prints a Markdown report.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [ours, reference, email, password] = process.argv.slice(2);
if (!ours || !reference || !email || !password) {
  console.error("usage: bun test/e2e/compare-with-reference.ts <ours-url> <reference-url> <email> <password>");
  process.exit(2);
}

const folder = join(import.meta.dir, "..", "..", "test-results", "e2e", "requests");
/** What the backend answers itself; the rest are the frontend build's files. */
const BACKEND_PATHS = /^\/(api\/|ollama\/|openai\/|static\/|manifest\.json|opensearch\.xml)/;
const ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{24,}|\d+)$/i;

interface Seen {
  method: string;
  template: string;
  path: string;
  statuses: Set<number>;
}

function templateOf(path: string): string {
  const [pathname, query] = path.split("?");
  const segments = (pathname as string).split("/").map((segment) => (ID.test(segment) ? "{id}" : segment));
  return segments.join("/") + (query ? `?${query.replace(/=[^&]*/g, "=…")}` : "");
}

function readRecorded(): Seen[] {
  const seen = new Map<string, Seen>();
  for (const file of readdirSync(folder)) {
    for (const line of readFileSync(join(folder, file), "utf8").split("\n").filter(Boolean)) {
      const [status, method, path] = line.split(" ") as [string, string, string];
      if (!BACKEND_PATHS.test(path)) continue;
      const template = templateOf(path);
      const key = `${method} ${template}`;
      const entry = seen.get(key) ?? { method, template, path, statuses: new Set<number>() };
      entry.statuses.add(Number(status));
      seen.set(key, entry);
    }
  }
  return [...seen.values()].sort((a, b) => a.template.localeCompare(b.template) || a.method.localeCompare(b.method));
}

async function tokenFor(base: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/auths/signin`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) throw new Error(`sign-in on ${base} failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

type Shape = string | Shape[] | { [key: string]: Shape };

function shapeOf(value: unknown): Shape {
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]));
  }
  return value === null ? "null" : typeof value;
}

/** Where two shapes differ, as "path: ours vs reference" lines. An empty list on one side matches anything. */
function differences(a: Shape, b: Shape, at = "$"): string[] {
  if (Array.isArray(a) && Array.isArray(b)) return a.length && b.length ? differences(a[0] as Shape, b[0] as Shape, `${at}[]`) : [];
  if (typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => {
      if (!(key in a)) return [`${at}.${key}: missing here`];
      if (!(key in b)) return [`${at}.${key}: only here`];
      return differences(a[key] as Shape, b[key] as Shape, `${at}.${key}`);
    });
  }
  const describe = (shape: Shape) => (typeof shape === "string" ? shape : Array.isArray(shape) ? "array" : "object");
  return describe(a) === describe(b) ? [] : [`${at}: ${describe(a)} here, ${describe(b)} in the reference`];
}

async function answer(base: string, token: string, path: string) {
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
  const type = (response.headers.get("content-type") ?? "").split(";")[0] as string;
  const body = await response.text();
  let shape: Shape | undefined;
  if (type === "application/json") shape = shapeOf(JSON.parse(body));
  return { status: response.status, type, shape };
}

const recorded = readRecorded();
const [ourToken, referenceToken] = await Promise.all([tokenFor(ours), tokenFor(reference)]);
const same: string[] = [];
const different: string[] = [];
const objectRequests: string[] = [];
for (const request of recorded) {
  const line = `\`${request.method} ${request.template}\``;
  if (request.method !== "GET" || request.template.includes("{id}")) {
    objectRequests.push(`- ${line} — ours answered ${[...request.statuses].join(", ")} during the journeys`);
    continue;
  }
  const [mine, theirs] = await Promise.all([answer(ours, ourToken, request.path), answer(reference, referenceToken, request.path)]);
  const found: string[] = [];
  if (mine.status !== theirs.status) found.push(`status ${mine.status} here, ${theirs.status} in the reference`);
  if (mine.type !== theirs.type) found.push(`content type ${mine.type} here, ${theirs.type} in the reference`);
  if (mine.shape !== undefined && theirs.shape !== undefined) found.push(...differences(mine.shape, theirs.shape));
  if (found.length === 0) same.push(`- ${line}`);
  else different.push(`- ${line}\n${found.map((text) => `  - ${text}`).join("\n")}`);
}

console.log(`# Frontend requests compared with the reference\n`);
console.log(`## Different (${different.length})\n\n${different.join("\n") || "none"}\n`);
console.log(`## Same status, content type and shape (${same.length})\n\n${same.join("\n")}\n`);
console.log(`## Naming an object or writing (${objectRequests.length}), not replayed\n\n${objectRequests.join("\n")}`);
