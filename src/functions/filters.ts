// Filter functions around a chat (utils/filter.py): `inlet` rewrites the request before the model,
// `stream` each event of the reply, `outlet` the finished chat (/api/chat/completed). The filters
// that apply to a model are the global ones and those its row names in `filterIds`; a filter
// with `toggle` runs only when the user switched it on (`filter_ids` of the request). They run
// in the order of their `priority` valve.
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import type { UserRow } from "../users/repository";
import { toUserModel } from "../users/views";
import { functionSource, pythonRuntime, storedValves, userValvesOf } from "./plugins";
import type { PluginEvents, PluginInfo } from "./python/runtime";
import type { FunctionRow } from "./repository";
import { isRecord, type Json } from "../chat/payload";

export type FilterStage = "inlet" | "stream" | "outlet";

export interface ActiveFilter {
  row: FunctionRow;
  info: PluginInfo;
}

/** get_sorted_filter_ids: the filters that apply to this model and request, in priority order. */
export async function filtersFor(catalog: ModelCatalog, model: Json, enabledIds: unknown): Promise<ActiveFilter[]> {
  await catalog.functions.refresh();
  const { rows, infos } = catalog.functions.snapshot;
  if (rows.length === 0) return [];
  const enabled = Array.isArray(enabledIds) ? enabledIds : [];
  const meta = isRecord(model.info) && isRecord(model.info.meta) ? model.info.meta : {};
  const named = Array.isArray(meta.filterIds) ? meta.filterIds : [];
  const chosen = new Set([...rows.filter((r) => r.type === "filter" && r.is_active && r.is_global).map((r) => r.id), ...named]);
  const filters: ActiveFilter[] = [];
  for (const row of rows) {
    const info = infos.get(row.id);
    if (row.type !== "filter" || !row.is_active || !info || !chosen.has(row.id)) continue;
    if (info.toggle && !enabled.includes(row.id)) continue;
    filters.push({ row, info });
  }
  const priority = (f: ActiveFilter) => Number(storedValves(f.row.valves).priority ?? 0) || 0;
  return filters.sort((a, b) => priority(a) - priority(b));
}

export interface FilterCall {
  user: UserRow;
  /** Dunder arguments besides __user__ and __id__ (__metadata__, __model__, __body__…). */
  extras: Json;
  events?: PluginEvents;
}

/**
 * Passes the body (or a stream event) through each filter that has the stage's method; what
 * a filter returns is what the next one gets. A filter's error is the caller's to handle.
 */
export async function applyFilters(ctx: AppContext, filters: ActiveFilter[], stage: FilterStage, data: unknown, call: FilterCall): Promise<unknown> {
  const runtime = pythonRuntime(ctx);
  let skipFiles = false;
  for (const { row, info } of filters) {
    if (!info.methods.includes(stage)) continue;
    if (stage === "inlet" && info.file_handler) skipFiles = true;
    data = await runtime.call(functionSource(row), {
      method: stage,
      args: stage === "stream" ? { event: data } : { body: data },
      extras: { ...call.extras, __user__: toUserModel(call.user), __id__: row.id },
      valves: storedValves(row.valves),
      userValves: userValvesOf(call.user, "functions", row.id),
      events: call.events,
    });
  }
  if (skipFiles && isRecord(data)) {
    if (isRecord(data.metadata)) delete data.metadata.files;
    delete data.files;
  }
  return data;
}

/**
 * The `stream` step for a reply's events, or null when no filter has one (then no event goes
 * to Python at all). A filter that fails leaves the event as it was.
 */
export function streamFilter(ctx: AppContext, filters: ActiveFilter[], call: FilterCall): ((event: Json) => Promise<Json | null>) | null {
  const streaming = filters.filter((f) => f.info.methods.includes("stream"));
  if (streaming.length === 0) return null;
  return async (event) => {
    try {
      const result = await applyFilters(ctx, streaming, "stream", event, call);
      return isRecord(result) ? result : null;
    } catch (error) {
      ctx.log.warn("a stream filter failed", error instanceof Error ? error.message : error);
      return event;
    }
  };
}
