// /ollama: the Ollama proxy (routers/ollama.py). Routes with a trailing /{url_idx} target one
// configured node; without it the node is picked among those that list the model.
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { groupIdsOf, hasAccess } from "../core/access";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { fetchJsonOrNull, passableHeaders, upstreamFetch } from "../core/upstream";
import { applyModelParamsOpenAI, applySystemPrompt, isRecord, readJsonObject, type Json } from "../chat/payload";
import { catalogFor, type ModelCatalog } from "../models/catalog";
import { findModelRow } from "../models/repository";
import type { UpstreamReply } from "../chat/reply";
import type { UserRow } from "../users/repository";
import { ollamaChat } from "./chat";
import { ollamaConnections, ollamaHeaders, withoutPrefix, withTag, type OllamaConnection } from "./connections";
import { fetchLoadedModels } from "./models";
import { modelNotFound, nodeForModel, postToOllama, requestOllama, requireNode, SERVER_CONNECTION_ERROR } from "./upstream";

const ALLOWED_DOWNLOAD_HOSTS = ["https://huggingface.co/", "https://github.com/"];

const IdxParams = t.Object({ url_idx: t.Numeric() });
const ConfigForm = t.Object({
  ENABLE_OLLAMA_API: t.Optional(t.Nullable(t.Boolean())),
  OLLAMA_BASE_URLS: t.Array(t.String()),
  OLLAMA_API_CONFIGS: t.Record(t.String(), t.Any()),
});
const NameForm = t.Object({ model: t.Optional(t.Nullable(t.String())), name: t.Optional(t.Nullable(t.String())) }, { additionalProperties: t.Unknown() });
const PushForm = t.Object({ model: t.String(), insecure: t.Optional(t.Nullable(t.Boolean())), stream: t.Optional(t.Nullable(t.Boolean())) });
const CreateForm = t.Object(
  { model: t.Optional(t.Nullable(t.String())), stream: t.Optional(t.Nullable(t.Boolean())), path: t.Optional(t.Nullable(t.String())) },
  { additionalProperties: t.Unknown() },
);
const CopyForm = t.Object({ source: t.String(), destination: t.String() });
const EmbedForm = t.Object({
  model: t.String(),
  input: t.Union([t.Array(t.String()), t.String()]),
  truncate: t.Optional(t.Nullable(t.Boolean())),
  options: t.Optional(t.Nullable(t.Record(t.String(), t.Any()))),
  keep_alive: t.Optional(t.Nullable(t.Union([t.Integer(), t.String()]))),
});
const EmbeddingsForm = t.Object({
  model: t.String(),
  prompt: t.String(),
  options: t.Optional(t.Nullable(t.Record(t.String(), t.Any()))),
  keep_alive: t.Optional(t.Nullable(t.Union([t.Integer(), t.String()]))),
});
const GenerateForm = t.Object({
  model: t.String(),
  prompt: t.String(),
  suffix: t.Optional(t.Nullable(t.String())),
  images: t.Optional(t.Nullable(t.Array(t.String()))),
  format: t.Optional(t.Nullable(t.Union([t.Record(t.String(), t.Any()), t.String()]))),
  options: t.Optional(t.Nullable(t.Record(t.String(), t.Any()))),
  system: t.Optional(t.Nullable(t.String())),
  template: t.Optional(t.Nullable(t.String())),
  context: t.Optional(t.Nullable(t.Array(t.Integer()))),
  stream: t.Optional(t.Nullable(t.Boolean())),
  raw: t.Optional(t.Nullable(t.Boolean())),
  keep_alive: t.Optional(t.Nullable(t.Union([t.Integer(), t.String()]))),
});

/** pydantic's model_dump(exclude_none=True). */
function withoutNulls(form: Record<string, unknown>): Json {
  return Object.fromEntries(Object.entries(form).filter(([, v]) => v !== null && v !== undefined));
}

function relay(reply: UpstreamReply, contentType?: string): Response {
  if (reply.kind === "json") return Response.json(reply.body, { status: reply.status });
  const headers = passableHeaders(reply.headers);
  if (contentType) headers.set("content-type", contentType);
  return new Response(reply.body, { status: reply.status, headers });
}

/** "0.5.1", "v0.5.1-rc2" → [0, 5, 1] for comparing node versions. */
function versionKey(version: unknown): number[] {
  return String(version)
    .replace(/^v|-.*/g, "")
    .split(".")
    .map((part) => Number.parseInt(part, 10) || 0);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function ollamaRoutes(ctx: AppContext) {
  const catalog = catalogFor(ctx);
  const settings = catalog.upstream;
  const headers = (node: OllamaConnection, user: UserRow | null) => ollamaHeaders(settings, node, user);

  /** A user may only use models whose row they can read (admins and the bypass pass). */
  const requireModelAccess = async (user: UserRow, names: string[]) => {
    if (!catalog.filters(user)) return;
    const groupIds = await groupIdsOf(ctx.db, user.id);
    for (const name of new Set(names)) {
      const row = await findModelRow(ctx.db, name);
      if (row && (row.user_id === user.id || hasAccess(user.id, groupIds, "read", row.access_control))) return;
    }
    throw new HttpError(403, "Model not found");
  };

  /** The node an explicit index names (users: enabled nodes only) or the model's node. */
  const nodeFor = async (user: UserRow, model: string, urlIdx?: number, shownName = model) =>
    urlIdx === undefined ? nodeForModel(ctx, catalog, model, undefined, true, shownName) : requireNode(ctx, urlIdx, user.role !== "admin");

  const firstNodeOf = async (model: string, urlIdx?: number) => {
    if (urlIdx !== undefined) return requireNode(ctx, urlIdx);
    await catalog.ensureFresh();
    const known = catalog.ollamaModel(model);
    const first = Array.isArray(known?.urls) ? (known.urls[0] as number | undefined) : undefined;
    if (first === undefined) throw new HttpError(400, modelNotFound(model));
    return requireNode(ctx, first);
  };

  const configBody = () => ({
    ENABLE_OLLAMA_API: ctx.config.get("ENABLE_OLLAMA_API"),
    OLLAMA_BASE_URLS: ctx.config.get("OLLAMA_BASE_URLS"),
    OLLAMA_API_CONFIGS: ctx.config.get("OLLAMA_API_CONFIGS"),
  });

  // Each model operation is declared once and mounted with and without /{url_idx}.
  const tags = async (user: UserRow, urlIdx?: number) => {
    let models: Json;
    if (urlIdx === undefined) {
      await catalog.ensureFresh({ user });
      models = { models: catalog.ollamaModels() };
    } else {
      const node = requireNode(ctx, urlIdx, user.role !== "admin");
      const answer = await requestOllama(settings, "GET", `${node.url}/api/tags`, headers(node, user));
      models = isRecord(answer) ? answer : { models: [] };
    }
    const list = Array.isArray(models.models) ? (models.models as Json[]) : [];
    models.models = await catalog.visibleItems(user, list, (m) => String(m.model));
    return models;
  };

  const version = async (urlIdx?: number) => {
    if (!ctx.config.get("ENABLE_OLLAMA_API")) return { version: false };
    if (urlIdx !== undefined) {
      const node = requireNode(ctx, urlIdx, true);
      return requestOllama(settings, "GET", `${node.url}/api/version`, {});
    }
    const answers = await Promise.all(
      ollamaConnections(ctx)
        .filter((c) => c.enabled)
        .map((c) => fetchJsonOrNull(`${c.url}/api/version`, c.key ? { Authorization: `Bearer ${c.key}` } : {}, settings.modelListTimeoutMs)),
    );
    const versions = answers.filter((a): a is Json => isRecord(a) && a.version !== undefined);
    if (versions.length === 0) throw new HttpError(500, ERROR_MESSAGES.OLLAMA_NOT_FOUND);
    const lowest = versions.reduce((low, v) => (compareVersions(versionKey(v.version), versionKey(low.version)) < 0 ? v : low));
    return { version: lowest.version };
  };

  const pull = async (user: UserRow, form: Json, urlIdx = 0) => {
    const node = requireNode(ctx, urlIdx);
    const payload = { ...withoutNulls(form), model: form.model ?? form.name, insecure: true };
    return relay(await postToOllama(settings, `${node.url}/api/pull`, headers(node, user), JSON.stringify(payload), true));
  };

  const push = async (user: UserRow, form: Json, urlIdx?: number) => {
    const node = await firstNodeOf(String(form.model), urlIdx);
    return relay(await postToOllama(settings, `${node.url}/api/push`, headers(node, user), JSON.stringify(withoutNulls(form)), true));
  };

  const create = async (user: UserRow, form: Json, urlIdx = 0) => {
    const node = requireNode(ctx, urlIdx);
    return relay(await postToOllama(settings, `${node.url}/api/create`, headers(node, user), JSON.stringify(withoutNulls(form)), true));
  };

  const copy = async (user: UserRow, form: Json, urlIdx?: number) => {
    const node = await firstNodeOf(String(form.source), urlIdx);
    await requestOllama(settings, "POST", `${node.url}/api/copy`, headers(node, user), JSON.stringify(form));
    return true;
  };

  const remove = async (user: UserRow, form: Json, urlIdx?: number) => {
    const payload = { ...withoutNulls(form), model: form.model ?? form.name };
    const node = await firstNodeOf(String(payload.model ?? "None"), urlIdx);
    await requestOllama(settings, "DELETE", `${node.url}/api/delete`, headers(node, user), JSON.stringify(payload));
    return true;
  };

  const embedLike = (path: "embed" | "embeddings") => async (user: UserRow, form: Json, urlIdx?: number) => {
    const name = String(form.model);
    await requireModelAccess(user, [name, withTag(name)]);
    const node = await nodeFor(user, withTag(name), urlIdx, name);
    const payload = { ...withoutNulls(form), model: withoutPrefix(node, name) };
    return requestOllama(settings, "POST", `${node.url}/api/${path}`, headers(node, user), JSON.stringify(payload));
  };

  const generate = async (user: UserRow, form: Json, urlIdx?: number) => {
    const name = String(form.model);
    await requireModelAccess(user, [name, withTag(name)]);
    const node = await nodeFor(user, withTag(name), urlIdx, name);
    const payload = { ...withoutNulls(form), stream: form.stream ?? true, model: withoutPrefix(node, name) };
    return relay(await postToOllama(settings, `${node.url}/api/generate`, headers(node, user), JSON.stringify(payload), true));
  };

  const chat = async (user: UserRow, form: Json, urlIdx?: number) => {
    const reply = await ollamaChat(ctx, catalog, form, user, { urlIdx });
    return relay(reply, "application/x-ndjson");
  };

  /** /v1/completions and /v1/chat/completions: Ollama's own OpenAI-compatible endpoints. */
  const openaiCompatible = (path: "completions" | "chat/completions") => async (user: UserRow, form: Json, urlIdx?: number) => {
    const input: Json = { ...form };
    const metadata = isRecord(input.metadata) ? input.metadata : null;
    delete input.metadata;
    if (typeof input.model !== "string") throw new HttpError(400, "model: Field required");
    if (path === "completions" && typeof input.prompt !== "string") throw new HttpError(400, "prompt: Field required");
    if (path === "chat/completions" && !Array.isArray(input.messages)) throw new HttpError(400, "messages: Field required");
    let payload = withoutNulls(input);
    const row = await findModelRow(ctx.db, withTag(input.model));
    if (row) {
      if (row.base_model_id) payload.model = row.base_model_id;
      const params = { ...row.params };
      if (Object.keys(params).length > 0) {
        const system = params.system;
        delete params.system;
        payload = applyModelParamsOpenAI(params, payload);
        if (path === "chat/completions") payload = applySystemPrompt(system, payload, metadata?.variables, user);
      }
      if (user.role === "user" && !catalog.settings.bypassModelAccess) {
        const groupIds = await groupIdsOf(ctx.db, user.id);
        if (row.user_id !== user.id && !hasAccess(user.id, groupIds, "read", row.access_control)) {
          throw new HttpError(403, "Model not found");
        }
      }
    } else if (user.role !== "admin") throw new HttpError(403, "Model not found");
    payload.model = withTag(String(payload.model));
    const node = await nodeFor(user, payload.model as string, urlIdx);
    payload.model = withoutPrefix(node, payload.model as string);
    const stream = payload.stream === true;
    return relay(await postToOllama(settings, `${node.url}/v1/${path}`, headers(node, user), JSON.stringify(payload), stream));
  };

  const openaiModels = async (user: UserRow, urlIdx?: number) => {
    const created = Math.floor(Date.now() / 1000);
    let names: string[];
    if (urlIdx === undefined) {
      await catalog.ensureFresh({ user });
      names = catalog.ollamaModels().map((m) => String(m.model));
    } else {
      const node = requireNode(ctx, urlIdx, user.role !== "admin");
      const answer = await requestOllama(settings, "GET", `${node.url}/api/tags`, {});
      const list = isRecord(answer) && Array.isArray(answer.models) ? answer.models : [];
      names = list.filter(isRecord).map((m) => String(m.model));
    }
    const data = names.map((id) => ({ id, object: "model", created, owned_by: "openai" }));
    return { data: await catalog.visibleItems(user, data, (m) => m.id), object: "list" };
  };

  const download = async (user: UserRow, form: { url: string }, urlIdx = 0) => {
    if (!ALLOWED_DOWNLOAD_HOSTS.some((host) => form.url.startsWith(host))) {
      throw new HttpError(400, "Invalid file_url. Only URLs from allowed hosts are permitted.");
    }
    const node = requireNode(ctx, urlIdx);
    const fileName = basename(new URL(form.url).pathname);
    if (!fileName) return null;
    return sseResponse(downloadToOllama(ctx, node, form.url, fileName));
  };

  const upload = async (user: UserRow, request: Request, urlIdx = 0) => {
    const node = requireNode(ctx, urlIdx);
    let form: Awaited<ReturnType<Request["formData"]>>;
    try {
      form = await request.formData();
    } catch {
      throw new HttpError(422, [{ type: "missing", loc: ["body", "file"], msg: "Field required" }]);
    }
    const file = form.get("file");
    if (!(file instanceof File)) throw new HttpError(422, [{ type: "missing", loc: ["body", "file"], msg: "Field required" }]);
    const name = basename(file.name || "model.gguf");
    mkdirSync(ctx.env.uploadDir, { recursive: true });
    const path = join(ctx.env.uploadDir, name);
    await Bun.write(path, file);
    return sseResponse(uploadToOllama(node, path, name));
  };

  const tag = { detail: { tags: ["ollama"] } };
  const raw = { parse: "none" as const };
  const V = "verified" as const;
  const AD = "admin" as const;

  return new Elysia({ name: "ollama", prefix: "/ollama" })
    .use(authGuard(ctx))
    .get("/", () => ({ status: true }), tag)
    .head("/", () => new Response(null, { status: 200, headers: { "content-type": "application/json" } }), tag)
    .post(
      "/verify",
      async ({ body, user }) => verifyOllama(ctx, catalog, body.url, body.key ?? null, user),
      { auth: AD, body: t.Object({ url: t.String(), key: t.Optional(t.Nullable(t.String())) }), ...tag },
    )
    .get("/config", () => configBody(), { auth: AD, ...tag })
    .post(
      "/config/update",
      async ({ body }) => {
        const keep = new Set(body.OLLAMA_BASE_URLS.map((_, i) => String(i)));
        await ctx.config.set({
          ...(typeof body.ENABLE_OLLAMA_API === "boolean" ? { ENABLE_OLLAMA_API: body.ENABLE_OLLAMA_API } : {}),
          OLLAMA_BASE_URLS: body.OLLAMA_BASE_URLS,
          OLLAMA_API_CONFIGS: Object.fromEntries(Object.entries(body.OLLAMA_API_CONFIGS).filter(([k]) => keep.has(k))),
        });
        return configBody();
      },
      { auth: AD, body: ConfigForm, ...tag },
    )
    .get("/api/tags", ({ user }) => tags(user), { auth: V, ...tag })
    .get("/api/tags/:url_idx", ({ user, params }) => tags(user, params.url_idx), { auth: V, params: IdxParams, ...tag })
    .get(
      "/api/ps",
      async ({ user }) => ({
        models: ctx.config.get("ENABLE_OLLAMA_API") ? await fetchLoadedModels(settings, ollamaConnections(ctx), user) : [],
      }),
      { auth: AD, ...tag },
    )
    .get("/api/version", () => version(), tag)
    .get("/api/version/:url_idx", ({ params }) => version(params.url_idx), { params: IdxParams, ...tag })
    .post("/api/unload", ({ body, user }) => unload(ctx, catalog, withoutNulls(body), user), { auth: AD, body: NameForm, ...tag })
    .post("/api/pull", ({ body, user }) => pull(user, body), { auth: AD, body: NameForm, ...tag })
    .post("/api/pull/:url_idx", ({ body, user, params }) => pull(user, body, params.url_idx), { auth: AD, body: NameForm, params: IdxParams, ...tag })
    .delete("/api/push", ({ body, user }) => push(user, body), { auth: AD, body: PushForm, ...tag })
    .delete("/api/push/:url_idx", ({ body, user, params }) => push(user, body, params.url_idx), { auth: AD, body: PushForm, params: IdxParams, ...tag })
    .post("/api/create", ({ body, user }) => create(user, body), { auth: AD, body: CreateForm, ...tag })
    .post("/api/create/:url_idx", ({ body, user, params }) => create(user, body, params.url_idx), { auth: AD, body: CreateForm, params: IdxParams, ...tag })
    .post("/api/copy", ({ body, user }) => copy(user, body), { auth: AD, body: CopyForm, ...tag })
    .post("/api/copy/:url_idx", ({ body, user, params }) => copy(user, body, params.url_idx), { auth: AD, body: CopyForm, params: IdxParams, ...tag })
    .delete("/api/delete", ({ body, user }) => remove(user, body), { auth: AD, body: NameForm, ...tag })
    .delete("/api/delete/:url_idx", ({ body, user, params }) => remove(user, body, params.url_idx), { auth: AD, body: NameForm, params: IdxParams, ...tag })
    .post("/api/show", ({ body, user }) => show(ctx, catalog, withoutNulls(body), user, requireModelAccess), { auth: V, body: NameForm, ...tag })
    .post("/api/embed", ({ body, user }) => embedLike("embed")(user, body), { auth: V, body: EmbedForm, ...tag })
    .post("/api/embed/:url_idx", ({ body, user, params }) => embedLike("embed")(user, body, params.url_idx), { auth: V, body: EmbedForm, params: IdxParams, ...tag })
    .post("/api/embeddings", ({ body, user }) => embedLike("embeddings")(user, body), { auth: V, body: EmbeddingsForm, ...tag })
    .post("/api/embeddings/:url_idx", ({ body, user, params }) => embedLike("embeddings")(user, body, params.url_idx), { auth: V, body: EmbeddingsForm, params: IdxParams, ...tag })
    .post("/api/generate", ({ body, user }) => generate(user, body), { auth: V, body: GenerateForm, ...tag })
    .post("/api/generate/:url_idx", ({ body, user, params }) => generate(user, body, params.url_idx), { auth: V, body: GenerateForm, params: IdxParams, ...tag })
    .post("/api/chat", async ({ request, user }) => chat(user, await readJsonObject(request)), { auth: V, ...raw, ...tag })
    .post("/api/chat/:url_idx", async ({ request, user, params }) => chat(user, await readJsonObject(request), params.url_idx), { auth: V, ...raw, params: IdxParams, ...tag })
    .post("/v1/completions", async ({ request, user }) => openaiCompatible("completions")(user, await readJsonObject(request)), { auth: V, ...raw, ...tag })
    .post("/v1/completions/:url_idx", async ({ request, user, params }) => openaiCompatible("completions")(user, await readJsonObject(request), params.url_idx), { auth: V, ...raw, params: IdxParams, ...tag })
    .post("/v1/chat/completions", async ({ request, user }) => openaiCompatible("chat/completions")(user, await readJsonObject(request)), { auth: V, ...raw, ...tag })
    .post("/v1/chat/completions/:url_idx", async ({ request, user, params }) => openaiCompatible("chat/completions")(user, await readJsonObject(request), params.url_idx), { auth: V, ...raw, params: IdxParams, ...tag })
    .get("/v1/models", ({ user }) => openaiModels(user), { auth: V, ...tag })
    .get("/v1/models/:url_idx", ({ user, params }) => openaiModels(user, params.url_idx), { auth: V, params: IdxParams, ...tag })
    .post("/models/download", ({ body, user }) => download(user, body), { auth: AD, body: t.Object({ url: t.String() }), ...tag })
    .post("/models/download/:url_idx", ({ body, user, params }) => download(user, body, params.url_idx), { auth: AD, body: t.Object({ url: t.String() }), params: IdxParams, ...tag })
    .post("/models/upload", ({ request, user }) => upload(user, request), { auth: AD, ...raw, ...tag })
    .post("/models/upload/:url_idx", ({ request, user, params }) => upload(user, request, params.url_idx), { auth: AD, ...raw, params: IdxParams, ...tag });
}

async function verifyOllama(ctx: AppContext, catalog: ModelCatalog, url: string, key: string | null, user: UserRow) {
  let response: Response;
  try {
    response = await upstreamFetch(
      `${url}/api/version`,
      { headers: ollamaHeaders(catalog.upstream, { key }, user) },
      catalog.upstream.modelListTimeoutMs,
    );
  } catch {
    throw new HttpError(500, SERVER_CONNECTION_ERROR);
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.status !== 200) {
    const detail = isRecord(body) && "error" in body ? `External Error: ${String(body.error)}` : `HTTP Error: ${response.status}`;
    throw new HttpError(500, `Unexpected error: ${detail}`);
  }
  if (body === null) throw new HttpError(500, "Unexpected error: the answer is not JSON");
  return body;
}

async function unload(ctx: AppContext, catalog: ModelCatalog, form: Json, user: UserRow) {
  const given = form.model ?? form.name;
  if (!given) throw new HttpError(400, "Missing name of the model to unload.");
  await catalog.ensureFresh({ user });
  const name = withTag(String(given));
  const known = catalog.ollamaModel(name);
  if (!known) throw new HttpError(400, modelNotFound(name));
  const errors: Json[] = [];
  for (const idx of (known.urls as number[]) ?? []) {
    const node = requireNode(ctx, idx);
    const prefix = node.config.prefix_id;
    const model = prefix && name.startsWith(`${prefix}.`) ? name.slice(prefix.length + 1) : name;
    try {
      await postToOllama(
        catalog.upstream,
        `${node.url}/api/generate`,
        ollamaHeaders(catalog.upstream, node, user),
        JSON.stringify({ model, keep_alive: 0, prompt: "" }),
        false,
      );
    } catch (error) {
      errors.push({ url_idx: idx, success: false, error: error instanceof HttpError ? String(error.detail) : String(error) });
    }
  }
  if (errors.length) throw new HttpError(500, `Failed to unload model on ${errors.length} nodes: ${JSON.stringify(errors)}`);
  return { status: true };
}

async function show(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: UserRow,
  requireModelAccess: (user: UserRow, names: string[]) => Promise<void>,
) {
  const name = String(form.model ?? form.name ?? "None");
  await requireModelAccess(user, [name]);
  const node = await nodeForModel(ctx, catalog, name);
  return requestOllama(
    catalog.upstream,
    "POST",
    `${node.url}/api/show`,
    ollamaHeaders(catalog.upstream, node, user),
    JSON.stringify({ ...form, model: name }),
  );
}

const encoder = new TextEncoder();

function sseResponse(events: AsyncGenerator<Json>): Response {
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
      } catch (error) {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify({ error: String(error instanceof Error ? error.message : error) })}\n\n`));
        controller.close();
      }
    },
    cancel: () => void events.return(undefined),
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of Bun.file(path).stream()) hash.update(chunk);
  return hash.digest("hex");
}

async function* downloadToOllama(ctx: AppContext, node: OllamaConnection, url: string, fileName: string): AsyncGenerator<Json> {
  mkdirSync(ctx.env.uploadDir, { recursive: true });
  const path = join(ctx.env.uploadDir, fileName);
  const existing = Bun.file(path);
  let current = (await existing.exists()) ? existing.size : 0;
  const response = await upstreamFetch(url, { headers: current > 0 ? { Range: `bytes=${current}-` } : {} }, 600_000);
  const total = Number(response.headers.get("content-length") ?? 0) + current;
  const writer = Bun.file(path).writer();
  if (current > 0) writer.write(await existing.arrayBuffer());
  let done = false;
  for await (const chunk of response.body ?? []) {
    writer.write(chunk);
    current += chunk.length;
    done = current === total;
    yield { progress: total ? Math.round((current / total) * 10000) / 100 : 0, completed: current, total };
  }
  await writer.end();
  if (!done) return;
  const hashed = await sha256File(path);
  const blob = await upstreamFetch(`${node.url}/api/blobs/sha256:${hashed}`, { method: "POST", body: Bun.file(path) }, 30_000);
  if (!blob.ok) throw new Error("Ollama: Could not create blob, Please try again.");
  await Bun.file(path).delete();
  yield { done, blob: `sha256:${hashed}`, name: fileName };
}

async function* uploadToOllama(node: OllamaConnection, path: string, fileName: string): AsyncGenerator<Json> {
  const total = Bun.file(path).size;
  const hashed = await sha256File(path);
  let read = 0;
  for await (const chunk of Bun.file(path).stream()) {
    read += chunk.length;
    yield { progress: total ? Math.round((read / total) * 10000) / 100 : 100, total, completed: read };
  }
  const blob = await upstreamFetch(`${node.url}/api/blobs/sha256:${hashed}`, { method: "POST", body: Bun.file(path) }, null);
  if (!blob.ok) throw new Error("Ollama: Could not create blob, Please try again.");
  await Bun.file(path).delete();
  const model = fileName.replace(/\.[^.]*$/, "");
  const created = await upstreamFetch(
    `${node.url}/api/create`,
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ model, files: { [fileName]: `sha256:${hashed}` } }) },
    null,
  );
  if (!created.ok) throw new Error(`Failed to create model in Ollama. ${await created.text()}`);
  yield { done: true, blob: `sha256:${hashed}`, name: fileName, model_created: model };
}
