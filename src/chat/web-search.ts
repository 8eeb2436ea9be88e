// chat_web_search_handler: the task model turns the conversation into search queries, the
// configured engine finds pages, they are loaded into a collection, and that collection joins the
// message's files so retrieval cites the pages. Each stage is reported as a `status` event.
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import { errorMessage } from "../retrieval/ingest";
import { webSearch } from "../retrieval/web";
import type { UserRow } from "../users/repository";
import type { Json } from "./payload";
import type { PipelineHooks } from "./pipeline";
import { generateQueries } from "./queries";

/** The web search's results as file items for retrieval (none when nothing was found). */
export async function searchTheWeb(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: UserRow,
  question: string,
  metadata: Json,
  hooks: PipelineHooks,
): Promise<Json[]> {
  const status = (data: Json) => hooks.status?.({ action: "web_search", ...data });
  status({ description: "Searching the web", done: false });
  let queries = (await generateQueries(ctx, catalog, form, user, "web_search", { credentials: hooks.credentials, metadata })) ?? [question];
  if (queries.length === 1 && queries[0]?.trim() === "") queries = [question];
  if (queries.length === 0) {
    status({ description: "No search query generated", done: true });
    return [];
  }
  hooks.status?.({ action: "web_search_queries_generated", queries, done: false });
  try {
    const results = await webSearch(ctx, user, queries);
    const name = queries.join(", ");
    const files: Json[] = results.collection_names
      ? results.collection_names.map((collection_name) => ({ collection_name, name, type: "web_search", urls: results.filenames, queries }))
      : [{ docs: results.docs, name, type: "web_search", urls: results.filenames, queries }];
    status({ description: "Searched {{count}} sites", urls: results.filenames, items: results.items, done: true });
    return files;
  } catch (error) {
    ctx.log.warn(`web search for a chat failed: ${errorMessage(error)}`);
    status({ description: "An error occurred while searching the web", queries, done: true, error: true });
    return [];
  }
}
