// /openai: OpenAI-compatible connections (routers/openai.py): settings, verification, model
// lists, chat completions, speech, and the old catch-all proxy to the first connection.
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../core/env";
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { passableHeaders, upstreamFetch } from "../core/upstream";
import { isRecord, readJsonObject, type Json } from "../chat/payload";
import { replyToResponse } from "../chat/reply";
import { catalogFor } from "../models/catalog";
import { callerCredentials } from "../tasks/routes";
import type { UserRow } from "../users/repository";
import { isReasoningModel, openaiChatCompletion, readWhole, SERVER_CONNECTION_ERROR } from "./completions";
import { configFor, openaiConnection, openaiHeaders, type ConnectionConfig } from "./connections";
import { isNonChatOpenAIModel, isOpenAIHost } from "./models";

const ConfigForm = t.Object({
  ENABLE_OPENAI_API: t.Optional(t.Nullable(t.Boolean())),
  OPENAI_API_BASE_URLS: t.Array(t.String()),
  OPENAI_API_KEYS: t.Array(t.String()),
  OPENAI_API_CONFIGS: t.Record(t.String(), t.Any()),
});

const VerifyForm = t.Object({
  url: t.String(),
  key: t.String(),
  config: t.Optional(t.Nullable(t.Record(t.String(), t.Any()))),
});

function asResponse(status: number, body: unknown): Response {
  if (typeof body === "string") return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
  return Response.json(body, { status });
}

export function openaiRoutes(ctx: AppContext) {
  const catalog = catalogFor(ctx);
  const settings = catalog.upstream;

  const configBody = () => ({
    ENABLE_OPENAI_API: ctx.config.get("ENABLE_OPENAI_API"),
    OPENAI_API_BASE_URLS: ctx.config.get("OPENAI_API_BASE_URLS"),
    OPENAI_API_KEYS: ctx.config.get("OPENAI_API_KEYS"),
    OPENAI_API_CONFIGS: ctx.config.get("OPENAI_API_CONFIGS"),
  });

  /** One connection's own /models answer (GET /openai/models/{url_idx}). */
  const modelsOf = async (user: UserRow, urlIdx: number): Promise<Json> => {
    const connection = openaiConnection(ctx, urlIdx);
    if (!connection || (user.role !== "admin" && !connection.enabled)) throw new HttpError(404, "Not Found");
    if (connection.config.azure) return { data: connection.config.model_ids ?? [], object: "list" };
    let response: Response;
    try {
      response = await upstreamFetch(
        `${connection.url}/models`,
        { headers: openaiHeaders(settings, connection, user) },
        settings.modelListTimeoutMs,
      );
    } catch {
      throw new HttpError(500, SERVER_CONNECTION_ERROR);
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.status !== 200) {
      const detail = isRecord(body) && "error" in body ? `External Error: ${JSON.stringify(body.error)}` : `HTTP Error: ${response.status}`;
      throw new HttpError(500, `Unexpected error: ${detail}`);
    }
    if (!isRecord(body)) throw new HttpError(500, "Unexpected error: the answer is not a JSON object");
    if (isOpenAIHost(connection.url) && Array.isArray(body.data)) {
      body.data = body.data.filter((m) => !(isRecord(m) && isNonChatOpenAIModel(m.id)));
    }
    return body;
  };

  const filtered = async (user: UserRow, models: Json) => {
    const data = Array.isArray(models.data) ? (models.data.filter(isRecord) as Json[]) : [];
    if (user.role === "user") models.data = await catalog.visibleItems(user, data, (m) => String(m.id));
    return models;
  };

  return new Elysia({ name: "openai", prefix: "/openai" })
    .use(authGuard(ctx))
    .get("/config", () => configBody(), { auth: "admin", detail: { tags: ["openai"] } })
    .post(
      "/config/update",
      async ({ body }) => {
        const urls = body.OPENAI_API_BASE_URLS;
        const keys = urls.map((_, i) => body.OPENAI_API_KEYS[i] ?? "");
        const keep = new Set(urls.map((_, i) => String(i)));
        await ctx.config.set({
          ...(typeof body.ENABLE_OPENAI_API === "boolean" ? { ENABLE_OPENAI_API: body.ENABLE_OPENAI_API } : {}),
          OPENAI_API_BASE_URLS: urls,
          OPENAI_API_KEYS: keys,
          OPENAI_API_CONFIGS: Object.fromEntries(Object.entries(body.OPENAI_API_CONFIGS).filter(([k]) => keep.has(k))),
        });
        return configBody();
      },
      { auth: "admin", body: ConfigForm, detail: { tags: ["openai"] } },
    )
    .post("/audio/speech", ({ request, user }) => speech(ctx, request, user), { auth: "verified", parse: "none", detail: { tags: ["openai"] } })
    .get(
      "/models",
      async ({ user }) => {
        await catalog.ensureFresh({ user });
        return filtered(user, { data: catalog.openaiItems() });
      },
      { auth: "verified", detail: { tags: ["openai"] } },
    )
    .get("/models/:url_idx", async ({ user, params }) => filtered(user, await modelsOf(user, params.url_idx)), {
      auth: "verified",
      params: t.Object({ url_idx: t.Numeric() }),
      detail: { tags: ["openai"] },
    })
    .post("/verify", ({ body, user }) => verify(ctx, body.url, body.key, (body.config ?? {}) as ConnectionConfig, user), {
      auth: "admin",
      body: VerifyForm,
      detail: { tags: ["openai"] },
    })
    .post(
      "/chat/completions",
      async ({ request, user }) =>
        replyToResponse(await openaiChatCompletion(ctx, catalog, await readJsonObject(request), user, { credentials: callerCredentials(request) })),
      { auth: "verified", parse: "none", detail: { tags: ["openai"] } },
    )
    .all(
      "/*",
      async ({ request, params, user }) => {
        if (!["GET", "POST", "PUT", "DELETE"].includes(request.method)) throw new HttpError(405, "Method Not Allowed");
        return proxy(ctx, request, params["*"], user);
      },
      { auth: "admin", parse: "none", detail: { tags: ["openai"] } },
    );
}

async function verify(ctx: AppContext, url: string, key: string, config: ConnectionConfig, user: UserRow) {
  const settings = catalogFor(ctx).upstream;
  const headers = openaiHeaders(settings, { url, key, config }, user);
  const target = config.azure
    ? `${url}/openai/models?api-version=${config.api_version || "2023-03-15-preview"}`
    : `${url}/models`;
  let response: Response;
  try {
    response = await upstreamFetch(target, { headers }, settings.modelListTimeoutMs);
  } catch {
    throw new HttpError(500, SERVER_CONNECTION_ERROR);
  }
  const body = await readWhole(response).catch(() => "");
  return response.status === 200 ? body : asResponse(response.status, body);
}

/** The deprecated catch-all: <first connection>/<path> with the connection's credentials. */
async function proxy(ctx: AppContext, request: Request, path: string, user: UserRow): Promise<Response> {
  const settings = catalogFor(ctx).upstream;
  const connection = openaiConnection(ctx, 0);
  if (!connection) throw new HttpError(404, "Not Found");
  const headers = openaiHeaders(settings, connection, user);
  let body: ArrayBuffer | string | undefined = request.method === "GET" ? undefined : await request.arrayBuffer();
  let url = `${connection.url}/${path}`;
  if (connection.config.azure) {
    const version = connection.config.api_version || "2023-03-15-preview";
    headers["api-version"] = version;
    let payload: Json = {};
    try {
      payload = JSON.parse(new TextDecoder().decode(body as ArrayBuffer)) as Json;
    } catch {}
    const model = String(payload.model ?? "");
    if (isReasoningModel(model) && "max_tokens" in payload) {
      payload.max_completion_tokens = payload.max_tokens;
      delete payload.max_tokens;
    }
    body = JSON.stringify(payload);
    url = `${connection.url}/openai/deployments/${model}/${path}?api-version=${version}`;
  }
  let response: Response;
  try {
    response = await upstreamFetch(url, { method: request.method, headers, body }, settings.requestTimeoutMs);
  } catch {
    throw new HttpError(500, SERVER_CONNECTION_ERROR);
  }
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return new Response(response.body, { status: response.status, headers: passableHeaders(response.headers) });
  }
  return asResponse(response.status, await readWhole(response));
}

/** TTS through the connection whose URL is exactly OpenAI's, cached by request body. */
async function speech(ctx: AppContext, request: Request, user: UserRow): Promise<Response> {
  const urls = ctx.config.get("OPENAI_API_BASE_URLS");
  const idx = urls.indexOf("https://api.openai.com/v1");
  if (idx === -1) throw new HttpError(401, ERROR_MESSAGES.OPENAI_NOT_FOUND);
  const body = new Uint8Array(await request.arrayBuffer());
  const name = createHash("sha256").update(body).digest("hex");
  const dir = join(cacheDir(ctx.env), "audio", "speech");
  mkdirSync(dir, { recursive: true });
  const file = Bun.file(join(dir, `${name}.mp3`));
  if (await file.exists()) return new Response(file, { headers: { "content-type": "audio/mpeg" } });
  const url = urls[idx] as string;
  const key = ctx.config.get("OPENAI_API_KEYS")[idx] ?? "";
  const { config } = configFor(ctx.config.get("OPENAI_API_CONFIGS") ?? {}, idx, url);
  const settings = catalogFor(ctx).upstream;
  let response: Response;
  try {
    response = await upstreamFetch(
      `${url}/audio/speech`,
      { method: "POST", headers: openaiHeaders(settings, { url, key, config }, user), body },
      settings.requestTimeoutMs,
    );
  } catch {
    throw new HttpError(500, SERVER_CONNECTION_ERROR);
  }
  if (!response.ok) {
    const answer = await readWhole(response).catch(() => null);
    const detail = isRecord(answer) && "error" in answer ? `External: ${JSON.stringify(answer.error)}` : SERVER_CONNECTION_ERROR;
    throw new HttpError(response.status, detail);
  }
  await Bun.write(file, response);
  try {
    await Bun.write(join(dir, `${name}.json`), JSON.stringify(JSON.parse(new TextDecoder().decode(body))));
  } catch {}
  return new Response(Bun.file(join(dir, `${name}.mp3`)), { headers: { "content-type": "audio/mpeg" } });
}
