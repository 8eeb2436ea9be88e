// Calling one Ollama node: the reference's error texts ("Ollama: <error>") and status relay,
// and the choice of node for a model.
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import { upstreamFetch, type UpstreamSettings } from "../core/upstream";
import type { ModelCatalog } from "../models/catalog";
import type { UpstreamReply } from "../chat/reply";
import { isRecord } from "../chat/payload";
import { ollamaConnection, ollamaConnections, type OllamaConnection } from "./connections";

export const SERVER_CONNECTION_ERROR = "Open WebUI: Server Connection Error";

/** ERROR_MESSAGES.MODEL_NOT_FOUND(name). */
export const modelNotFound = (name: unknown) => `Model '${name ?? "None"}' was not found`;

/** "Ollama: <what Ollama said>" with its status, or the connection error. */
async function failure(response: Response): Promise<HttpError> {
  const text = await response.text().catch(() => "");
  try {
    const body: unknown = JSON.parse(text);
    if (isRecord(body) && "error" in body) return new HttpError(response.status, `Ollama: ${errorText(body.error)}`);
  } catch {
    return new HttpError(response.status, SERVER_CONNECTION_ERROR);
  }
  return new HttpError(response.status, `Ollama: ${response.status}, message='${response.statusText}'`);
}

function errorText(error: unknown): string {
  return typeof error === "string" ? error : JSON.stringify(error);
}

/**
 * POST to a node (send_post_request): a failing status becomes an HttpError; a stream is handed
 * on as NDJSON, anything else is read as JSON.
 */
export async function postToOllama(
  settings: UpstreamSettings,
  url: string,
  headers: Record<string, string>,
  body: string,
  stream: boolean,
  signal?: AbortSignal,
): Promise<UpstreamReply> {
  let response: Response;
  try {
    response = await upstreamFetch(url, { method: "POST", headers, body, signal }, settings.requestTimeoutMs);
  } catch (error) {
    throw new HttpError(500, `Ollama: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw await failure(response);
  if (stream && response.body) return { kind: "ndjson", status: response.status, headers: response.headers, body: response.body };
  try {
    return { kind: "json", status: response.status, body: await response.json() };
  } catch (error) {
    throw new HttpError(response.status || 500, `Ollama: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A plain request whose JSON answer is returned (show, copy, delete, tags of one node…). Like
 * the reference, a refusal from the node is reported with status 500 and Ollama's message.
 */
export async function requestOllama(
  settings: UpstreamSettings,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<unknown> {
  let response: Response;
  try {
    response = await upstreamFetch(url, { method, headers, body }, settings.requestTimeoutMs);
  } catch {
    throw new HttpError(500, SERVER_CONNECTION_ERROR);
  }
  if (!response.ok) {
    const error = await failure(response);
    throw new HttpError(500, error.detail);
  }
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The node for a model: the given index, or a random node among those that list it. */
export async function nodeForModel(
  ctx: AppContext,
  catalog: ModelCatalog,
  model: string,
  urlIdx?: number,
  refresh = true,
  shownName: string = model,
): Promise<OllamaConnection> {
  if (urlIdx !== undefined) return requireNode(ctx, urlIdx);
  if (refresh) await catalog.ensureFresh();
  const known = catalog.ollamaModel(model);
  const urls = Array.isArray(known?.urls) ? (known.urls as number[]) : [];
  if (!known || urls.length === 0) throw new HttpError(400, modelNotFound(shownName));
  const pick = urls[Math.floor(Math.random() * urls.length)] as number;
  return requireNode(ctx, pick);
}

/** A configured node by index; an index that names no node is a 404, not a crash. */
export function requireNode(ctx: AppContext, urlIdx: number, enabledOnly = false): OllamaConnection {
  const node = ollamaConnection(ctx, urlIdx);
  if (!node || (enabledOnly && !node.enabled)) throw new HttpError(404, "Not Found");
  return node;
}

export function enabledNodes(ctx: AppContext): OllamaConnection[] {
  return ollamaConnections(ctx).filter((c) => c.enabled);
}

