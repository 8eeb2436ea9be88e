// /api/v1/configs: whole-config import and export, and the admin settings pages for connections,
// tool servers, code execution, default models, prompt suggestions and banners — as
// routers/configs.py.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import type { ConfigKey, ConfigValues } from "../core/config";
import { HttpError } from "../core/errors";
import { fetchToolServerSpec, specTimeoutMs, toolServersFor, toolServerUrl } from "../tools/servers";
import { readToken } from "../core/auth";

const CODE_EXECUTION_KEYS = [
  "ENABLE_CODE_EXECUTION",
  "CODE_EXECUTION_ENGINE",
  "CODE_EXECUTION_JUPYTER_URL",
  "CODE_EXECUTION_JUPYTER_AUTH",
  "CODE_EXECUTION_JUPYTER_AUTH_TOKEN",
  "CODE_EXECUTION_JUPYTER_AUTH_PASSWORD",
  "CODE_EXECUTION_JUPYTER_TIMEOUT",
  "ENABLE_CODE_INTERPRETER",
  "CODE_INTERPRETER_ENGINE",
  "CODE_INTERPRETER_PROMPT_TEMPLATE",
  "CODE_INTERPRETER_JUPYTER_URL",
  "CODE_INTERPRETER_JUPYTER_AUTH",
  "CODE_INTERPRETER_JUPYTER_AUTH_TOKEN",
  "CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD",
  "CODE_INTERPRETER_JUPYTER_TIMEOUT",
] as const satisfies readonly ConfigKey[];

const optionalText = t.Nullable(t.String());
const optionalInt = t.Nullable(t.Integer());
const CodeExecutionBody = t.Object({
  ENABLE_CODE_EXECUTION: t.Boolean(),
  CODE_EXECUTION_ENGINE: t.String(),
  CODE_EXECUTION_JUPYTER_URL: optionalText,
  CODE_EXECUTION_JUPYTER_AUTH: optionalText,
  CODE_EXECUTION_JUPYTER_AUTH_TOKEN: optionalText,
  CODE_EXECUTION_JUPYTER_AUTH_PASSWORD: optionalText,
  CODE_EXECUTION_JUPYTER_TIMEOUT: optionalInt,
  ENABLE_CODE_INTERPRETER: t.Boolean(),
  CODE_INTERPRETER_ENGINE: t.String(),
  CODE_INTERPRETER_PROMPT_TEMPLATE: optionalText,
  CODE_INTERPRETER_JUPYTER_URL: optionalText,
  CODE_INTERPRETER_JUPYTER_AUTH: optionalText,
  CODE_INTERPRETER_JUPYTER_AUTH_TOKEN: optionalText,
  CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD: optionalText,
  CODE_INTERPRETER_JUPYTER_TIMEOUT: optionalInt,
});

const Banner = t.Object({
  id: t.String(),
  type: t.String(),
  title: t.Optional(t.Nullable(t.String())),
  content: t.String(),
  dismissible: t.Boolean(),
  timestamp: t.Integer(),
});

/** ToolServerConnection: these fields, and any others (info, spec_type, spec …) kept as sent. */
const ToolServerConnection = t.Object(
  {
    url: t.String(),
    path: t.String(),
    type: t.Optional(t.Nullable(t.String())),
    auth_type: t.Nullable(t.String()),
    key: t.Nullable(t.String()),
    config: t.Nullable(t.Record(t.String(), t.Any())),
  },
  { additionalProperties: t.Unknown() },
);
type ToolServerConnectionForm = typeof ToolServerConnection.static;

/** model_dump order: the declared fields first (type defaulting to "openapi"), then the extras. */
function storedConnection(form: ToolServerConnectionForm): Record<string, unknown> {
  const { url, path, type, auth_type, key, config, ...extra } = form;
  return { url, path, type: type === undefined ? "openapi" : type, auth_type, key, config, ...extra };
}

const Suggestion = t.Object({ title: t.Array(t.String()), content: t.String() });

export function configsRoutes(ctx: AppContext) {
  const c = ctx.config;
  const pick = <K extends ConfigKey>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((key) => [key, c.get(key)])) as Pick<ConfigValues, K>;

  return new Elysia({ name: "configs", prefix: "/api/v1/configs" })
    .use(authGuard(ctx))
    .post(
      "/import",
      async ({ body }) => {
        await c.replaceStored(body.config);
        return c.exportStored();
      },
      { auth: "admin", body: t.Object({ config: t.Record(t.String(), t.Unknown()) }), detail: { tags: ["configs"] } },
    )
    .get("/export", () => c.exportStored(), { auth: "admin", detail: { tags: ["configs"] } })
    .get("/connections", () => pick(["ENABLE_DIRECT_CONNECTIONS", "ENABLE_BASE_MODELS_CACHE"]), {
      auth: "admin",
      detail: { tags: ["configs"] },
    })
    .post(
      "/connections",
      async ({ body }) => {
        await c.set(body);
        return pick(["ENABLE_DIRECT_CONNECTIONS", "ENABLE_BASE_MODELS_CACHE"]);
      },
      {
        auth: "admin",
        body: t.Object({ ENABLE_DIRECT_CONNECTIONS: t.Boolean(), ENABLE_BASE_MODELS_CACHE: t.Boolean() }),
        detail: { tags: ["configs"] },
      },
    )
    .get("/tool_servers", () => pick(["TOOL_SERVER_CONNECTIONS"]), { auth: "admin", detail: { tags: ["configs"] } })
    .post(
      "/tool_servers",
      async ({ body }) => {
        await c.set({ TOOL_SERVER_CONNECTIONS: body.TOOL_SERVER_CONNECTIONS.map(storedConnection) });
        await toolServersFor(ctx).list({ force: true });
        return pick(["TOOL_SERVER_CONNECTIONS"]);
      },
      { auth: "admin", body: t.Object({ TOOL_SERVER_CONNECTIONS: t.Array(ToolServerConnection) }), detail: { tags: ["configs"] } },
    )
    .post(
      "/tool_servers/verify",
      async ({ body, request }) => {
        // MCP servers need an MCP client, which this server does not have.
        if (body.type === "mcp") throw new HttpError(400, "Failed to create MCP client");
        const token = body.auth_type === "bearer" ? body.key : body.auth_type === "session" ? readToken(request) : null;
        try {
          return await fetchToolServerSpec(toolServerUrl(body.url, body.path), token ?? null, specTimeoutMs(ctx.env.raw));
        } catch {
          throw new HttpError(400, "Failed to connect to the tool server");
        }
      },
      { auth: "admin", body: ToolServerConnection, detail: { tags: ["configs"] } },
    )
    .get("/code_execution", () => pick(CODE_EXECUTION_KEYS), { auth: "admin", detail: { tags: ["configs"] } })
    .post(
      "/code_execution",
      async ({ body }) => {
        await c.set(body);
        return pick(CODE_EXECUTION_KEYS);
      },
      { auth: "admin", body: CodeExecutionBody, detail: { tags: ["configs"] } },
    )
    .get("/models", () => pick(["DEFAULT_MODELS", "MODEL_ORDER_LIST"]), { auth: "admin", detail: { tags: ["configs"] } })
    .post(
      "/models",
      async ({ body }) => {
        await c.set({ DEFAULT_MODELS: body.DEFAULT_MODELS ?? null, MODEL_ORDER_LIST: body.MODEL_ORDER_LIST ?? null });
        return pick(["DEFAULT_MODELS", "MODEL_ORDER_LIST"]);
      },
      {
        auth: "admin",
        body: t.Object({ DEFAULT_MODELS: t.Nullable(t.String()), MODEL_ORDER_LIST: t.Nullable(t.Array(t.String())) }),
        detail: { tags: ["configs"] },
      },
    )
    .post(
      "/suggestions",
      async ({ body }) => {
        await c.set({ DEFAULT_PROMPT_SUGGESTIONS: body.suggestions });
        return c.get("DEFAULT_PROMPT_SUGGESTIONS");
      },
      { auth: "admin", body: t.Object({ suggestions: t.Array(Suggestion) }), detail: { tags: ["configs"] } },
    )
    .post(
      "/banners",
      async ({ body }) => {
        const banners = body.banners.map((b) => ({ ...b, title: b.title ?? null }));
        await c.set({ BANNERS: banners });
        return c.get("BANNERS");
      },
      { auth: "admin", body: t.Object({ banners: t.Array(Banner) }), detail: { tags: ["configs"] } },
    )
    .get("/banners", () => c.get("BANNERS"), { auth: "verified", detail: { tags: ["configs"] } });
}
