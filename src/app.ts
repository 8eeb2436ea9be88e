// Assembles the HTTP application from the feature plugins. Tests call `app.handle(request)`.
import { openapi } from "@elysiajs/openapi";
import { Elysia, ValidationError } from "elysia";
import type { AppContext } from "./context";
import { corsFor } from "./core/cors";
import { HttpError, json, type ValidationIssue } from "./core/errors";
import { realtimeRoutes } from "./realtime/routes";
import { serveFrontend } from "./system/static";
import { authsRoutes } from "./auths/routes";
import { oauthRoutes } from "./oauth/routes";
import { configsRoutes } from "./configs/routes";
import { groupsRoutes } from "./groups/routes";
import { usersRoutes } from "./users/routes";
import { chatRoutes } from "./chat/routes";
import { modelsRoutes } from "./models/routes";
import { ollamaRoutes } from "./ollama/routes";
import { openaiRoutes } from "./openai/routes";
import { tasksRoutes } from "./tasks/routes";
import { promptsRoutes } from "./prompts/routes";
import { toolsRoutes } from "./tools/routes";
import { functionsRoutes } from "./functions/routes";
import { memoriesRoutes } from "./memories/routes";
import { utilsRoutes } from "./utils/routes";
import { notesRoutes } from "./notes/routes";
import { evaluationsRoutes } from "./evaluations/routes";
import { channelsRoutes } from "./channels/routes";
import { systemRoutes } from "./system/routes";
import { filesRoutes } from "./files/routes";
import { knowledgeRoutes } from "./knowledge/routes";
import { retrievalRoutes } from "./retrieval/routes";
import { chatsRoutes } from "./chats/routes";
import { foldersRoutes } from "./folders/routes";
import { audioRoutes } from "./audio/routes";
import { imagesRoutes } from "./images/routes";
import { pipelinesRoutes } from "./pipelines/routes";
import { scimRoutes } from "./scim/routes";
import { VERSION } from "./system/version";

export function createApp(ctx: AppContext) {
  // "typebox" normalisation: unknown keys are dropped and wrong types refused. (The default
  // normaliser turns a string sent where an object is expected into {"0": …}, and accepts it.)
  return new Elysia({ name: "open-webui-bun", normalize: "typebox" })
    .use(corsFor(ctx.env.corsAllowOrigins))
    .use(docsFor(ctx))
    .onError(({ code, error, request, path }) => handleError(ctx, code, error, request, path))
    .mapResponse(({ responseValue, set }) => {
      // FastAPI answers JSON for bare null, booleans and numbers too (e.g. `true`, `null`).
      if (responseValue === null || typeof responseValue === "boolean" || typeof responseValue === "number") {
        set.headers["content-type"] = "application/json";
        return new Response(JSON.stringify(responseValue), set as ResponseInit);
      }
    })
    .use(requestLogFor(ctx))
    .use(systemRoutes(ctx))
    .use(authsRoutes(ctx))
    .use(oauthRoutes(ctx))
    .use(usersRoutes(ctx))
    .use(groupsRoutes(ctx))
    .use(scimRoutes(ctx))
    .use(configsRoutes(ctx))
    .use(promptsRoutes(ctx))
    .use(toolsRoutes(ctx))
    .use(functionsRoutes(ctx))
    .use(memoriesRoutes(ctx))
    .use(utilsRoutes(ctx))
    .use(notesRoutes(ctx))
    .use(evaluationsRoutes(ctx))
    .use(channelsRoutes(ctx))
    .use(filesRoutes(ctx))
    .use(knowledgeRoutes(ctx))
    .use(retrievalRoutes(ctx))
    .use(imagesRoutes(ctx))
    .use(modelsRoutes(ctx))
    .use(openaiRoutes(ctx))
    .use(pipelinesRoutes(ctx))
    .use(ollamaRoutes(ctx))
    .use(tasksRoutes(ctx))
    .use(chatRoutes(ctx))
    .use(realtimeRoutes(ctx))
    .use(chatsRoutes(ctx))
    .use(foldersRoutes(ctx))
    .use(audioRoutes(ctx));
}

export type App = ReturnType<typeof createApp>;

/** One line per request at DEBUG; otherwise no hook at all, since each hook costs every request. */
function requestLogFor(ctx: AppContext) {
  if (!ctx.log.enabled("DEBUG")) return new Elysia({ name: "no-request-log" });
  return new Elysia({ name: "request-log" }).onAfterResponse({ as: "global" }, ({ request, set, path }) => {
    ctx.log.debug(`${request.method} ${path} ${set.status ?? 200}`);
  });
}

function docsFor(ctx: AppContext) {
  if (!ctx.env.enableApiDocs) return new Elysia({ name: "no-docs" });
  return openapi({
    path: "/docs",
    specPath: "/openapi.json",
    documentation: { info: { title: "Open WebUI (Bun)", version: VERSION } },
  });
}

function handleError(ctx: AppContext, code: string | number, error: unknown, request: Request, path: string) {
  if (error instanceof HttpError) return json(error.status, error.body(), error.headers);
  switch (code) {
    case "NOT_FOUND": {
      const page = request.method === "GET" || request.method === "HEAD" ? serveFrontend(ctx.env, path) : null;
      return page ?? json(404, { detail: "Not Found" });
    }
    case "VALIDATION":
      return json(422, { detail: validationIssues(error as ValidationError) });
    case "PARSE":
      return json(422, { detail: [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error" }] });
    case "INVALID_COOKIE_SIGNATURE":
      return json(401, { detail: "401 Unauthorized" });
    default:
      ctx.log.error(`${request.method} ${path} failed`, error);
      return json(500, { detail: "Internal Server Error" });
  }
}

/** TypeBox errors in pydantic's shape: [{type, loc: ["body", field, ...], msg}]. */
function validationIssues(error: ValidationError): ValidationIssue[] {
  const where = error.type === "body" ? "body" : error.type === "params" ? "path" : error.type;
  const issues = error.all.map((item) => {
    const pointer = "path" in item && typeof item.path === "string" ? item.path : "";
    const loc = [where, ...pointer.split("/").filter(Boolean)];
    const message = "summary" in item && item.summary ? item.summary : "message" in item ? item.message : "Invalid input";
    return { type: "value_error", loc, msg: String(message) };
  });
  return issues.length > 0 ? issues : [{ type: "value_error", loc: [where], msg: "Invalid input" }];
}
