// Calls to LLM upstreams (OpenAI-compatible servers, Ollama): timeouts from the environment,
// the optional user-info headers, and the headers that may be copied back to our caller.
// Upstream base URLs only ever come from the admin's connection settings.
import type { Source } from "./env";

export interface UpstreamSettings {
  /** AIOHTTP_CLIENT_TIMEOUT in ms; null = no limit (the reference's default). */
  requestTimeoutMs: number | null;
  /** AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST in ms (default 10 s); null = no limit. */
  modelListTimeoutMs: number | null;
  forwardUserInfo: boolean;
}

/** Lenient like the reference: empty = no timeout, garbage = its fallback. */
function seconds(value: string | undefined, unset: number | null, garbage: number): number | null {
  if (value === undefined) return unset;
  if (value.trim() === "") return null;
  const parsed = Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed * 1000 : garbage * 1000;
}

export function readUpstreamSettings(raw: Source): UpstreamSettings {
  const listTimeout = raw.AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST ?? raw.AIOHTTP_CLIENT_TIMEOUT_OPENAI_MODEL_LIST;
  return {
    requestTimeoutMs: seconds(raw.AIOHTTP_CLIENT_TIMEOUT, null, 300),
    modelListTimeoutMs: seconds(listTimeout, 10_000, 10),
    forwardUserInfo: (raw.ENABLE_FORWARD_USER_INFO_HEADERS ?? "").toLowerCase() === "true",
  };
}

/** The network failed (refused, reset, DNS, timeout) before or while reading the upstream. */
export class UpstreamUnreachable extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`could not reach ${redact(url)}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export async function upstreamFetch(url: string, init: RequestInit, timeoutMs: number | null): Promise<Response> {
  const signals = [init.signal, timeoutMs === null ? null : AbortSignal.timeout(timeoutMs)].filter(
    (s): s is AbortSignal => Boolean(s),
  );
  const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  try {
    return await fetch(url, { ...init, signal });
  } catch (error) {
    throw new UpstreamUnreachable(url, error);
  }
}

/** GET <url> as JSON within the time limit; null on any failure (the model-list rule). */
export async function fetchJsonOrNull(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number | null,
): Promise<unknown> {
  try {
    const response = await upstreamFetch(url, { headers }, timeoutMs);
    return await response.json();
  } catch {
    return null;
  }
}

export interface UserInfo {
  id: string;
  name: string;
  email: string;
  role: string;
}

/** X-OpenWebUI-User-* headers (ENABLE_FORWARD_USER_INFO_HEADERS). */
export function userInfoHeaders(
  settings: UpstreamSettings,
  user: UserInfo | null | undefined,
  chatId?: string | null,
): Record<string, string> {
  if (!settings.forwardUserInfo || !user) return {};
  return {
    "X-OpenWebUI-User-Name": pythonQuote(user.name),
    "X-OpenWebUI-User-Id": user.id,
    "X-OpenWebUI-User-Email": user.email,
    "X-OpenWebUI-User-Role": user.role,
    ...(chatId ? { "X-OpenWebUI-Chat-Id": chatId } : {}),
  };
}

/** urllib.parse.quote(text, safe=" "). */
function pythonQuote(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_.~ -]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

const NOT_FORWARDED = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "set-cookie",
]);

/** Upstream response headers that can be passed on (the body is re-framed and decoded by us). */
export function passableHeaders(headers: Headers): Headers {
  const out = new Headers();
  headers.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name.toLowerCase())) out.set(name, value);
  });
  return out;
}

/** For logs: never print credentials embedded in a URL. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return parsed.toString();
  } catch {
    return "<invalid url>";
  }
}
