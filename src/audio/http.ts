// Calls to the speech services and the error texts Open WebUI shows for their failures. Its TTS
// code (aiohttp) reports a failed answer as aiohttp's exception text, its STT code (requests)
// as the service's `error.message` or requests' exception text.
import { join } from "node:path";
import { cacheDir } from "../core/env";
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import { redact, upstreamFetch, type UpstreamSettings } from "../core/upstream";

export const SERVER_CONNECTION_ERROR = "Open WebUI: Server Connection Error";

/** AIOHTTP_CLIENT_TIMEOUT unset means no limit in the reference; a speech call still gets one. */
const SPEECH_TIMEOUT_MS = 300_000;
const LIST_TIMEOUT_MS = 10_000;

export const speechTimeout = (settings: UpstreamSettings) => settings.requestTimeoutMs ?? SPEECH_TIMEOUT_MS;
export const listTimeout = (settings: UpstreamSettings) => settings.modelListTimeoutMs ?? LIST_TIMEOUT_MS;

/** DATA_DIR/cache/audio, where Open WebUI keeps spoken replies and uploaded recordings. */
export function audioCacheDir(ctx: AppContext): string {
  return join(cacheDir(ctx.env), "audio");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The upstream's answer, or a 500 with the reference's text when it cannot be reached. */
export async function send(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await upstreamFetch(url, init, timeoutMs);
  } catch {
    throw new HttpError(500, SERVER_CONNECTION_ERROR);
  }
}

/** GET <url> as JSON; null on any failure (lists fall back to their defaults). */
export async function getJson(url: string, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
  try {
    const response = await upstreamFetch(url, { headers }, timeoutMs);
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      return null;
    }
    return await response.json();
  } catch {
    return null;
  }
}

/** A failed TTS answer, as aiohttp's ClientResponseError reads, with the upstream's status. */
export async function speechFailure(response: Response, url: string): Promise<HttpError> {
  await response.body?.cancel().catch(() => {});
  return new HttpError(response.status, `External: ${response.status}, message='${response.statusText}', url='${redact(url)}'`);
}

/** requests' HTTPError text. */
function requestsErrorText(response: Response, url: string): string {
  const kind = response.status < 500 ? "Client" : "Server";
  return `${response.status} ${kind} Error: ${response.statusText} for url: ${redact(url)}`;
}

/** What the reference's STT handlers make of a failed answer. */
export async function transcriptionFailureText(response: Response, url: string): Promise<string> {
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    return `External: ${requestsErrorText(response, url)}`;
  }
  if (!isRecord(body) || !("error" in body)) return SERVER_CONNECTION_ERROR;
  if (!isRecord(body.error)) return `External: ${requestsErrorText(response, url)}`;
  const message = body.error.message;
  return `External: ${typeof message === "string" ? message : message === undefined ? "" : JSON.stringify(message)}`;
}
