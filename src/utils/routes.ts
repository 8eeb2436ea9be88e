// /api/v1/utils (routers/utils.py): the Gravatar URL of an email, Markdown to HTML, running code
// on the admin's Jupyter server, and the admin downloads (the SQLite database, the LiteLLM config).
// Formatting Python with black and the server-side chat PDF are absent (the 0.6.32 frontend makes
// its PDFs itself).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Elysia, t } from "elysia";
import { marked } from "marked";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { parseBool } from "../core/env";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { executeCodeJupyter } from "./jupyter";
import { pythonRuntime } from "../functions/plugins";

const DB_NOT_SQLITE = "This feature is only available when running with SQLite databases.";
const tag = { detail: { tags: ["utils"] } };

/** get_gravatar_url: SHA-256 of the trimmed, lower-cased address. */
export function gravatarUrl(email: string): string {
  const hash = new Bun.CryptoHasher("sha256").update(email.trim().toLowerCase()).digest("hex");
  return `https://www.gravatar.com/avatar/${hash}?d=mp`;
}

function download(body: ConstructorParameters<typeof Response>[0], filename: string): Response {
  return new Response(body, {
    headers: { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="${filename}"` },
  });
}

/** A consistent copy of the live SQLite database (VACUUM INTO), removed once it has been read. */
async function databaseSnapshot(ctx: AppContext): Promise<Response> {
  const folder = mkdtempSync(join(tmpdir(), "owb-db-"));
  const copy = join(folder, "webui.db");
  try {
    await ctx.db.writeTurn(() => ctx.db.execute(`VACUUM INTO '${copy.replaceAll("'", "''")}'`));
    return download(await Bun.file(copy).arrayBuffer(), "webui.db");
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The code execution settings (CODE_EXECUTION_JUPYTER_*): the secret that matches the auth kind. */
function codeExecutionJupyter(ctx: AppContext) {
  const auth = ctx.config.get("CODE_EXECUTION_JUPYTER_AUTH");
  return {
    url: ctx.config.get("CODE_EXECUTION_JUPYTER_URL") ?? "",
    token: auth === "token" ? ctx.config.get("CODE_EXECUTION_JUPYTER_AUTH_TOKEN") : null,
    password: auth === "password" ? ctx.config.get("CODE_EXECUTION_JUPYTER_AUTH_PASSWORD") : null,
    timeoutSeconds: ctx.config.get("CODE_EXECUTION_JUPYTER_TIMEOUT"),
  };
}

export function utilsRoutes(ctx: AppContext) {
  return new Elysia({ name: "utils", prefix: "/api/v1/utils" })
    .use(authGuard(ctx))
    .get("/gravatar", ({ query }) => gravatarUrl(query.email), { auth: "verified", query: t.Object({ email: t.String() }), ...tag })
    .post("/markdown", async ({ body }) => ({ html: await marked.parse(body.md) }), {
      auth: "verified",
      body: t.Object({ md: t.String() }),
      ...tag,
    })
    .post(
      "/code/format",
      async ({ body }) => {
        try {
          return { code: await pythonRuntime(ctx).format(body.code) };
        } catch (error) {
          throw new HttpError(400, error instanceof Error ? error.message : String(error));
        }
      },
      { auth: "admin", body: t.Object({ code: t.String() }), ...tag },
    )
    .post(
      "/code/execute",
      ({ body }) => {
        if (ctx.config.get("CODE_EXECUTION_ENGINE") !== "jupyter") throw new HttpError(400, "Code execution engine not supported");
        return executeCodeJupyter(codeExecutionJupyter(ctx), body.code);
      },
      { auth: "verified", body: t.Object({ code: t.String() }), ...tag },
    )
    .get(
      "/db/download",
      () => {
        if (!parseBool(ctx.env.raw, "ENABLE_ADMIN_EXPORT", true)) throw new HttpError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
        if (ctx.env.database.dialect !== "sqlite") throw new HttpError(400, DB_NOT_SQLITE);
        return databaseSnapshot(ctx);
      },
      { auth: "admin", ...tag },
    )
    .get(
      "/litellm/config",
      () => {
        const path = join(ctx.env.dataDir, "litellm", "config.yaml");
        if (!existsSync(path)) throw new HttpError(404, "Not Found");
        return download(Bun.file(path), "config.yaml");
      },
      { auth: "admin", ...tag },
    );
}
