// The filter functions' `outlet` of /api/chat/completed (the tail of chat_completed): the finished
// chat goes through each filter that applies to the model; what they return is the answer.
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import { applyFilters, filtersFor } from "../functions/filters";
import { pluginEvents } from "../functions/plugin-events";
import type { ModelCatalog } from "../models/catalog";
import type { UserRow } from "../users/repository";
import { chatRuntime } from "./ports";
import type { Json } from "./payload";

export async function outletFunctions(ctx: AppContext, catalog: ModelCatalog, body: Json, user: UserRow, model: Json): Promise<unknown> {
  const filters = await filtersFor(catalog, model, body.filter_ids);
  if (filters.length === 0) return body;
  const metadata = {
    chat_id: body.chat_id ?? null,
    message_id: body.id ?? null,
    filter_ids: body.filter_ids ?? [],
    session_id: body.session_id ?? null,
    user_id: user.id,
  };
  const events = pluginEvents(ctx, metadata, chatRuntime(ctx)?.emit);
  try {
    return await applyFilters(ctx, filters, "outlet", body, { user, extras: { __metadata__: metadata, __model__: model }, events });
  } catch (error) {
    throw new HttpError(400, `Error: ${error instanceof Error ? error.message : String(error)}`);
  }
}
