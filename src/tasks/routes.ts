// /api/v1/tasks: the task settings and the task completions (title, follow-ups, tags,
// queries, autocomplete, emoji, image prompt, mixture of agents).
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard, readToken } from "../core/auth";
import { HttpError, json } from "../core/errors";
import { readJsonObject, type Json } from "../chat/payload";
import { replyToResponse } from "../chat/reply";
import { catalogFor } from "../models/catalog";
import type { UserRow } from "../users/repository";
import { runTask, type TaskKind, type TaskOutcome } from "./generate";

const CONFIG_KEYS = [
  "TASK_MODEL",
  "TASK_MODEL_EXTERNAL",
  "TITLE_GENERATION_PROMPT_TEMPLATE",
  "IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE",
  "ENABLE_AUTOCOMPLETE_GENERATION",
  "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH",
  "TAGS_GENERATION_PROMPT_TEMPLATE",
  "FOLLOW_UP_GENERATION_PROMPT_TEMPLATE",
  "ENABLE_FOLLOW_UP_GENERATION",
  "ENABLE_TAGS_GENERATION",
  "ENABLE_TITLE_GENERATION",
  "ENABLE_SEARCH_QUERY_GENERATION",
  "ENABLE_RETRIEVAL_QUERY_GENERATION",
  "QUERY_GENERATION_PROMPT_TEMPLATE",
  "TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE",
] as const;

/** The order the update route answers in (it differs from GET's in the reference). */
const UPDATE_ORDER = [
  "TASK_MODEL",
  "TASK_MODEL_EXTERNAL",
  "ENABLE_TITLE_GENERATION",
  "TITLE_GENERATION_PROMPT_TEMPLATE",
  "IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE",
  "ENABLE_AUTOCOMPLETE_GENERATION",
  "AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH",
  "TAGS_GENERATION_PROMPT_TEMPLATE",
  "ENABLE_TAGS_GENERATION",
  "ENABLE_FOLLOW_UP_GENERATION",
  "FOLLOW_UP_GENERATION_PROMPT_TEMPLATE",
  "ENABLE_SEARCH_QUERY_GENERATION",
  "ENABLE_RETRIEVAL_QUERY_GENERATION",
  "QUERY_GENERATION_PROMPT_TEMPLATE",
  "TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE",
] as const;

const TaskConfigForm = t.Object({
  TASK_MODEL: t.Nullable(t.String()),
  TASK_MODEL_EXTERNAL: t.Nullable(t.String()),
  ENABLE_TITLE_GENERATION: t.Boolean(),
  TITLE_GENERATION_PROMPT_TEMPLATE: t.String(),
  IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE: t.String(),
  ENABLE_AUTOCOMPLETE_GENERATION: t.Boolean(),
  AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH: t.Integer(),
  TAGS_GENERATION_PROMPT_TEMPLATE: t.String(),
  FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: t.String(),
  ENABLE_FOLLOW_UP_GENERATION: t.Boolean(),
  ENABLE_TAGS_GENERATION: t.Boolean(),
  ENABLE_SEARCH_QUERY_GENERATION: t.Boolean(),
  ENABLE_RETRIEVAL_QUERY_GENERATION: t.Boolean(),
  QUERY_GENERATION_PROMPT_TEMPLATE: t.String(),
  TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE: t.String(),
});

function pick(ctx: AppContext, keys: readonly (typeof CONFIG_KEYS)[number][]) {
  return Object.fromEntries(keys.map((key) => [key, ctx.config.get(key)]));
}

/** The answer when a task is switched off or its input is refused; null = go ahead. */
export function taskRefusal(ctx: AppContext, kind: TaskKind, form: Json): TaskOutcome | null {
  const off = (status: number, detail: string) => ({ status, body: { detail } });
  switch (kind) {
    case "title":
      return ctx.config.get("ENABLE_TITLE_GENERATION") ? null : off(200, "Title generation is disabled");
    case "follow_up":
      return ctx.config.get("ENABLE_FOLLOW_UP_GENERATION") ? null : off(200, "Follow-up generation is disabled");
    case "tags":
      return ctx.config.get("ENABLE_TAGS_GENERATION") ? null : off(200, "Tags generation is disabled");
    case "queries":
      if (form.type === "web_search" && !ctx.config.get("ENABLE_SEARCH_QUERY_GENERATION")) {
        return off(400, "Search query generation is disabled");
      }
      if (form.type === "retrieval" && !ctx.config.get("ENABLE_RETRIEVAL_QUERY_GENERATION")) {
        return off(400, "Query generation is disabled");
      }
      return null;
    case "autocomplete": {
      if (!ctx.config.get("ENABLE_AUTOCOMPLETE_GENERATION")) return off(400, "Autocompletion generation is disabled");
      const max = ctx.config.get("AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH");
      if (max > 0 && String(form.prompt ?? "").length > max) return off(400, `Input prompt exceeds maximum length of ${max}`);
      return null;
    }
    default:
      return null;
  }
}

export function outcomeToResponse(outcome: TaskOutcome): Response {
  if ("reply" in outcome) return replyToResponse(outcome.reply);
  return json(outcome.status, outcome.body);
}

export function callerCredentials(request: Request) {
  return { token: readToken(request), cookie: request.headers.get("cookie") };
}

export function tasksRoutes(ctx: AppContext) {
  const catalog = catalogFor(ctx);
  const task = (kind: TaskKind) => async ({ request, user }: { request: Request; user: UserRow }) => {
    const form = await readJsonObject(request);
    const refused = taskRefusal(ctx, kind, form);
    if (refused) return outcomeToResponse(refused);
    return outcomeToResponse(await runTask(ctx, catalog, kind, form, user, { credentials: callerCredentials(request) }));
  };
  const options = { auth: "verified" as const, parse: "none" as const, detail: { tags: ["tasks"] } };
  return new Elysia({ name: "tasks", prefix: "/api/v1/tasks" })
    .use(authGuard(ctx))
    .get("/config", () => pick(ctx, CONFIG_KEYS), { auth: "verified", detail: { tags: ["tasks"] } })
    .post(
      "/config/update",
      async ({ body }) => {
        await ctx.config.set({ ...body, TASK_MODEL: body.TASK_MODEL ?? "", TASK_MODEL_EXTERNAL: body.TASK_MODEL_EXTERNAL ?? "" });
        return pick(ctx, UPDATE_ORDER);
      },
      { auth: "admin", body: TaskConfigForm, detail: { tags: ["tasks"] } },
    )
    .post("/title/completions", task("title"), options)
    .post("/follow_up/completions", task("follow_up"), options)
    .post("/tags/completions", task("tags"), options)
    .post("/image_prompt/completions", task("image_prompt"), options)
    .post("/queries/completions", task("queries"), options)
    .post("/auto/completions", task("autocomplete"), options)
    .post("/emoji/completions", task("emoji"), options)
    .post("/moa/completions", task("moa"), options);
}
