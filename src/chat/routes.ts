// The chat endpoints main.py defines itself: the model picker's list, chat completions, the
// "completed" hook, running tasks, and embeddings.
import { Elysia } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { HttpError, jsonText } from "../core/errors";
import { catalogFor } from "../models/catalog";
import { runOutletFilters } from "../pipelines/filters";
import { callerCredentials } from "../tasks/routes";
import { chatCompletion } from "./completions";
import { embeddings } from "./embeddings";
import { chatRuntime, chatStore, provideChatRuntime } from "./ports";
import { repositoryChatStore } from "./store";
import { isRecord, queryFlag, readJsonObject, type Json } from "./payload";
import { taskOwners } from "./owners";
import { outletFunctions } from "./outlet";
import { runChatAction } from "../functions/actions";

export function chatRoutes(ctx: AppContext) {
  const catalog = catalogFor(ctx);
  const tag = { detail: { tags: ["chat"] } };
  provideChatRuntime(ctx, { chats: repositoryChatStore(ctx) });

  return new Elysia({ name: "chat" })
    .use(authGuard(ctx))
    .get(
      "/api/models",
      ({ user, query }) => jsonText(catalog.listJson(user, { force: queryFlag(query.refresh), user })),
      { auth: "verified", ...tag },
    )
    .get(
      "/api/models/base",
      async ({ user }) => ({ data: await catalog.baseModels({ user }) }),
      { auth: "admin", ...tag },
    )
    .post(
      "/api/chat/completions",
      async ({ request, user }) => chatCompletion(ctx, catalog, await readJsonObject(request), user, request),
      { auth: "verified", parse: "none", ...tag },
    )
    .post(
      "/api/v1/chat/completions",
      async ({ request, user }) => chatCompletion(ctx, catalog, await readJsonObject(request), user, request),
      { auth: "verified", parse: "none", ...tag },
    )
    .post(
      "/api/chat/completed",
      async ({ request, user }) => {
        const body = await readJsonObject(request);
        const modelItem = isRecord(body.model_item) ? body.model_item : {};
        delete body.model_item;
        // A direct connection's model is known only to the browser that sends it.
        const direct = Boolean(modelItem.direct) && modelItem.id === body.model;
        const { byId } = await catalog.models({ user });
        if (typeof body.model !== "string" || !(direct || byId.has(body.model))) throw new HttpError(400, "Model not found");
        const model = direct ? modelItem : (byId.get(body.model) as Json);
        const piped = direct ? body : await runOutletFilters(ctx, catalog, body, user);
        return outletFunctions(ctx, catalog, piped, user, model);
      },
      { auth: "verified", parse: "none", ...tag },
    )
    .post(
      "/api/chat/actions/:action_id",
      async ({ request, user, params }) => jsonText(JSON.stringify((await runChatAction(ctx, catalog, params.action_id, await readJsonObject(request), user)) ?? null)),
      { auth: "verified", parse: "none", ...tag },
    )
    .post(
      "/api/embeddings",
      async ({ request, user }) => embeddings(ctx, catalog, await readJsonObject(request), user, callerCredentials(request)),
      { auth: "verified", parse: "none", ...tag },
    )
    .post(
      "/api/v1/embeddings",
      async ({ request, user }) => embeddings(ctx, catalog, await readJsonObject(request), user, callerCredentials(request)),
      { auth: "verified", parse: "none", ...tag },
    )
    .post(
      "/api/tasks/stop/:task_id",
      async ({ params, user }) => {
        const runtime = chatRuntime(ctx);
        const owner = await taskOwners(ctx).ownerOf(params.task_id);
        // Only the user who started a task (or an admin) may stop it; the reference lets anyone.
        if (!runtime || (owner !== user.id && user.role !== "admin")) {
          return { status: false, message: `Task with ID ${params.task_id} not found.` };
        }
        const stopped = await runtime.tasks.stop(params.task_id);
        return stopped
          ? { status: true, message: `Task ${params.task_id} successfully stopped.` }
          : { status: false, message: `Task with ID ${params.task_id} not found.` };
      },
      { auth: "verified", ...tag },
    )
    .get(
      "/api/tasks",
      async ({ user }) => {
        const runtime = chatRuntime(ctx);
        const all = runtime ? await runtime.tasks.list() : [];
        return { tasks: user.role === "admin" ? all : await taskOwners(ctx).ownedBy(user.id, all) };
      },
      { auth: "verified", ...tag },
    )
    .get(
      "/api/tasks/chat/:chat_id",
      async ({ params, user }) => {
        const runtime = chatRuntime(ctx);
        const store = chatStore(ctx);
        if (!runtime || !store || !(await store.findOwned(user.id, params.chat_id))) return { task_ids: [] };
        return { task_ids: await runtime.tasks.listForChat(params.chat_id) };
      },
      { auth: "verified", ...tag },
    );
}

