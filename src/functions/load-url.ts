// `POST /load/url` of functions and tools: an admin gives the address of a plugin's source (a
// GitHub page or any http(s) URL); its text and a name taken from the address come back for the
// editor. The fetch goes through safe-fetch like every user-given URL.
import type { AppContext } from "../context";
import { parseBool } from "../core/env";
import { HttpError } from "../core/errors";
import { safeFetch } from "../core/safe-fetch";

const GITHUB_FOLDER = /^https:\/\/github\.com\/([^/]+)\/([^/]+)\/tree\/([^/]+)\/(.*)/;
const GITHUB_FILE = /^https:\/\/github\.com\/([^/]+)\/([^/]+)\/blob\/([^/]+)\/(.*)/;

/** A GitHub folder page gives its main.py, a file page the raw file; other URLs stay. */
export function githubRawUrl(url: string): string {
  const folder = GITHUB_FOLDER.exec(url);
  if (folder) {
    const [, org, repo, branch, path] = folder;
    return `https://raw.githubusercontent.com/${org}/${repo}/refs/heads/${branch}/${path!.replace(/\/+$/, "")}/main.py`;
  }
  const file = GITHUB_FILE.exec(url);
  if (file) {
    const [, org, repo, branch, path] = file;
    return `https://raw.githubusercontent.com/${org}/${repo}/refs/heads/${branch}/${path}`;
  }
  return url;
}

/** `x/clock.py` → "clock"; `x/clock/main.py` (or index.py, __init__.py) → "clock". */
export function pluginNameFromUrl(url: string): string {
  const parts = url.replace(/\/+$/, "").split("/");
  const file = parts.at(-1)!;
  const generic = ["main.py", "index.py", "__init__.py"].some((prefix) => file.startsWith(prefix));
  if (file.endsWith(".py") && !generic) return file.slice(0, -3);
  return parts.length > 1 ? parts.at(-2)! : "function";
}

/** pydantic's HttpUrl: an absolute http(s) URL with a host, as it prints it. */
export function httpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl("url_parsing", "Input should be a valid URL, relative URL without a base");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalidUrl("url_scheme", "URL scheme should be 'http' or 'https'");
  if (!url.hostname) throw invalidUrl("url_parsing", "Input should be a valid URL, empty host");
  return url.href;
}

const invalidUrl = (type: string, msg: string) => new HttpError(422, [{ type, loc: ["body", "url"], msg }]);

/**
 * The source at the URL with a name for it. Every failure is a 400 whose detail reads like the
 * reference's ("Error importing tool: 404: Failed to fetch the tool").
 */
export async function loadPluginFromUrl(ctx: AppContext, given: string, kind: "function" | "tool"): Promise<{ name: string; content: string }> {
  const url = githubRawUrl(httpUrl(given));
  const fail = (reason: string) => new HttpError(400, `Error importing ${kind}: ${reason}`);
  let response;
  try {
    response = await safeFetch(url, { allowLocal: parseBool(ctx.env.raw, "ENABLE_RAG_LOCAL_WEB_FETCH", false), maxBytes: 5 * 1024 * 1024 });
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  if (response.status !== 200) throw fail(`${response.status}: Failed to fetch the ${kind}`);
  const content = new TextDecoder().decode(response.body);
  if (!content) throw fail("400: No data received from the URL");
  return { name: pluginNameFromUrl(url), content };
}
