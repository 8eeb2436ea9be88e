// Calls from the admin's Pipelines page to a Pipelines server, which is one of the OpenAI
// connections (routers/pipelines.py): the answer's JSON object comes back as it is; any failure
// becomes the server's own `detail` with its status, or 404 "Pipeline not found".
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import { fetchJsonOrNull, upstreamFetch, userInfoHeaders, type UpstreamSettings, type UserInfo } from "../core/upstream";
import { isRecord, type Json } from "../chat/payload";
import { openaiConnections } from "../openai/connections";

export const PIPELINE_NOT_FOUND = "Pipeline not found";

export interface PipelinesServer {
  url: string;
  key: string;
}

/** The connection at urlIdx; an index that names none answers like the reference's IndexError. */
export function pipelinesServer(ctx: AppContext, urlIdx: number | undefined): PipelinesServer {
  const urls = ctx.config.get("OPENAI_API_BASE_URLS");
  const keys = ctx.config.get("OPENAI_API_KEYS");
  if (urlIdx === undefined || !Number.isInteger(urlIdx) || urlIdx < 0 || urlIdx >= urls.length) {
    throw new HttpError(404, PIPELINE_NOT_FOUND);
  }
  return { url: urls[urlIdx] as string, key: keys[urlIdx] ?? "" };
}

export async function callPipelinesServer(
  server: PipelinesServer,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body: Json | FormData | undefined,
  timeoutMs: number | null,
): Promise<Json> {
  const headers: Record<string, string> = { Authorization: `Bearer ${server.key}` };
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await upstreamFetch(`${server.url}${path}`, { method, headers, body: payload }, timeoutMs);
  } catch {
    throw new HttpError(404, PIPELINE_NOT_FOUND);
  }
  const answer: unknown = await response.json().catch(() => undefined);
  if (response.ok && isRecord(answer)) return answer;
  const detail = isRecord(answer) && "detail" in answer && answer.detail ? answer.detail : PIPELINE_NOT_FOUND;
  throw new HttpError(response.status, detail);
}

/** GET /list: the connections whose /models answer says they are Pipelines servers. */
export async function listPipelinesServers(ctx: AppContext, settings: UpstreamSettings, user: UserInfo): Promise<{ url: string; idx: number }[]> {
  if (!ctx.config.get("ENABLE_OPENAI_API")) return [];
  const answers = await Promise.all(
    openaiConnections(ctx).map(async (connection) => {
      // A connection with its own model list is not asked (the reference lists its ids instead).
      const listed = Array.isArray(connection.config.model_ids) && connection.config.model_ids.length > 0;
      if (!connection.enabled || (connection.configured && listed)) return null;
      const headers = { Authorization: `Bearer ${connection.key}`, ...userInfoHeaders(settings, user) };
      return fetchJsonOrNull(`${connection.url}/models`, headers, settings.modelListTimeoutMs);
    }),
  );
  return answers.flatMap((answer, idx) =>
    isRecord(answer) && "pipelines" in answer ? [{ url: ctx.config.get("OPENAI_API_BASE_URLS")[idx] as string, idx }] : [],
  );
}

/** The upload's file name without any folder part (an upload names a file, not a path). */
export function uploadFileName(name: string): string {
  return name.split(/[\\/]/).pop() ?? "";
}
