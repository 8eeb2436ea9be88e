// Search queries from the task model (generate_queries), for retrieval and for web search.
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import { completionObject, runTask, type TaskCaller, type TaskOptions } from "../tasks/generate";
import { taskRefusal } from "../tasks/routes";
import { isRecord, type Json } from "./payload";

/** The JSON answer's `queries`, else the answer itself; null when the task is switched off or fails. */
export async function generateQueries(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: TaskCaller,
  type: "retrieval" | "web_search",
  options: TaskOptions = {},
): Promise<string[] | null> {
  const request = { model: form.model, messages: form.messages, type };
  try {
    const outcome = taskRefusal(ctx, "queries", request) ?? (await runTask(ctx, catalog, "queries", request, user, options));
    if (!("status" in outcome) || outcome.status >= 400) return null;
    const parsed = completionObject(outcome);
    if (parsed) return Array.isArray(parsed.queries) ? parsed.queries.map(String) : [];
    const body = isRecord(outcome.body) ? outcome.body : {};
    const choice = Array.isArray(body.choices) && isRecord(body.choices[0]) ? body.choices[0] : {};
    const text = isRecord(choice.message) ? choice.message.content : undefined;
    return typeof text === "string" ? [text] : null;
  } catch {
    return null;
  }
}
