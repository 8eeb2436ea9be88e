// Calls to image engines. Their base URLs only come from the admin's image settings; the calls go
// through the upstream helper the model connections use (AIOHTTP_CLIENT_TIMEOUT and the
// user-info headers). Any failure becomes an ImageError whose text the routes show.
import { readUpstreamSettings, upstreamFetch, userInfoHeaders, type UpstreamSettings, type UserInfo } from "../core/upstream";
import type { AppContext } from "../context";

/** A failed generation or engine call; the routes answer it as 400 `[ERROR: <message>]`. */
export class ImageError extends Error {}

const settingsByContext = new WeakMap<AppContext, UpstreamSettings>();

export function upstreamSettings(ctx: AppContext): UpstreamSettings {
  let settings = settingsByContext.get(ctx);
  if (!settings) settingsByContext.set(ctx, (settings = readUpstreamSettings(ctx.env.raw)));
  return settings;
}

export function forwardedUserHeaders(ctx: AppContext, user: UserInfo | null): Record<string, string> {
  return userInfoHeaders(upstreamSettings(ctx), user);
}

export const withoutTrailingSlash = (url: string) => url.trim().replace(/\/+$/, "");

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The message an engine put in its error body ({"error": {"message"}}, {"error": "…"}, {"detail": "…"}). */
function upstreamMessage(body: unknown): string | null {
  if (!isRecord(body)) return null;
  const error = body.error;
  if (isRecord(error) && typeof error.message === "string") return error.message;
  if (typeof error === "string") return error;
  if (typeof body.detail === "string") return body.detail;
  return null;
}

export interface EngineCall {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: unknown;
}

/** The engine's JSON answer; an error status or a body that is not JSON throws an ImageError. */
export async function engineJson(ctx: AppContext, url: string, call: EngineCall = {}): Promise<unknown> {
  const init: RequestInit = {
    method: call.method ?? (call.body === undefined ? "GET" : "POST"),
    headers: { ...(call.body === undefined ? {} : { "Content-Type": "application/json" }), ...call.headers },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  };
  let response: Response;
  try {
    response = await upstreamFetch(url, init, upstreamSettings(ctx).requestTimeoutMs);
  } catch (error) {
    throw new ImageError(error instanceof Error ? error.message : String(error));
  }
  const text = await response.text().catch(() => "");
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    if (response.ok) throw new ImageError(`The image engine answered something that is not JSON (${response.status})`);
  }
  if (!response.ok) {
    throw new ImageError(upstreamMessage(body) ?? `${response.status} ${response.statusText || "error"} from the image engine`);
  }
  return body;
}
