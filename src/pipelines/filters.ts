// Filter pipelines of a Pipelines server (routers/pipelines.py process_pipeline_inlet_filter /
// process_pipeline_outlet_filter): before the model is called, the request body goes through
// every filter that targets the model (and the model itself when it is a pipeline); after the
// reply, /api/chat/completed sends the finished chat through them the other way round.
import type { AppContext } from "../context";
import { upstreamFetch } from "../core/upstream";
import type { ModelCatalog } from "../models/catalog";
import { isRecord, type Json } from "../chat/payload";

export interface FilterUser {
  id: string;
  email: string;
  name: string;
  role: string;
}

/** A filter answered an error with a `detail`: the model is not called. */
export class PipelineFilterError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    // What the reference's str(Exception(status, detail)) reads, shown in the chat as the error.
    super(`(${status}, ${pythonRepr(detail)})`);
  }
}

/** The filter pipelines that target the model ("*" = all), lowest priority first. */
export function sortedFilters(modelId: string, models: Json[]): Json[] {
  const filters = models.filter((model) => {
    const pipeline = model.pipeline;
    if (!isRecord(pipeline) || pipeline.type !== "filter") return false;
    const targets = Array.isArray(pipeline.pipelines) ? pipeline.pipelines : [];
    return (targets.length === 1 && targets[0] === "*") || targets.includes(modelId);
  });
  const priority = (model: Json) => Number((model.pipeline as Json).priority ?? 0) || 0;
  return filters.map((model, index) => ({ model, index })).sort((a, b) => priority(a.model) - priority(b.model) || a.index - b.index).map((e) => e.model);
}

/** Every model the reference keeps in app.state.MODELS, filter pipelines included. */
async function allModels(catalog: ModelCatalog, user: FilterUser): Promise<{ byId: Map<string, Json>; filters: Json[] }> {
  const { byId } = await catalog.models({ user });
  return { byId, filters: catalog.openaiItems() };
}

export async function runInletFilters(ctx: AppContext, catalog: ModelCatalog, payload: Json, user: FilterUser): Promise<Json> {
  const modelId = String(payload.model);
  const { byId, filters } = await allModels(catalog, user);
  const chain = sortedFilters(modelId, filters);
  const model = byId.get(modelId);
  if (model && "pipeline" in model) chain.push(model);
  for (const filter of chain) payload = await callFilter(ctx, catalog, filter, "inlet", payload, user);
  return payload;
}

export async function runOutletFilters(ctx: AppContext, catalog: ModelCatalog, payload: Json, user: FilterUser): Promise<Json> {
  const modelId = String(payload.model);
  const { byId, filters } = await allModels(catalog, user);
  const chain = sortedFilters(modelId, filters);
  const model = byId.get(modelId);
  if (model && "pipeline" in model) chain.unshift(model);
  for (const filter of chain) {
    try {
      payload = await callFilter(ctx, catalog, filter, "outlet", payload, user);
    } catch (error) {
      // The reference swallows an outlet filter's refusal: the chat is already answered.
      if (!(error instanceof PipelineFilterError)) throw error;
      ctx.log.warn(`outlet filter ${String(filter.id)} refused: ${error.message}`);
    }
  }
  return payload;
}

/**
 * One filter call. Filters of a connection without a key are skipped, as in the reference;
 * a connection failure or an answer that is not JSON leaves the body as it was.
 */
async function callFilter(
  ctx: AppContext,
  catalog: ModelCatalog,
  filter: Json,
  stage: "inlet" | "outlet",
  payload: Json,
  user: FilterUser,
): Promise<Json> {
  const urlIdx = Number(filter.urlIdx);
  if (filter.urlIdx === undefined || filter.urlIdx === null || !Number.isInteger(urlIdx)) return payload;
  const url = ctx.config.get("OPENAI_API_BASE_URLS")[urlIdx];
  const key = ctx.config.get("OPENAI_API_KEYS")[urlIdx];
  if (url === undefined || !key) return payload;
  const body = JSON.stringify({ user: { id: user.id, email: user.email, name: user.name, role: user.role }, body: payload });
  let response: Response;
  try {
    response = await upstreamFetch(
      `${url}/${String(filter.id)}/filter/${stage}`,
      { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body },
      catalog.upstream.requestTimeoutMs,
    );
  } catch (error) {
    ctx.log.warn(`pipeline filter ${String(filter.id)} (${stage}) unreachable`, error);
    return payload;
  }
  const answer: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (isRecord(answer) && "detail" in answer) throw new PipelineFilterError(response.status, answer.detail);
    ctx.log.warn(`pipeline filter ${String(filter.id)} (${stage}) answered ${response.status}`);
    return payload;
  }
  return isRecord(answer) ? answer : payload;
}

/** Python's repr() of a JSON value (strings quoted the way Python picks). */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value
      .replaceAll("\\", "\\\\")
      .replaceAll("\n", "\\n")
      .replaceAll("\r", "\\r")
      .replaceAll("\t", "\\t")
      .replaceAll(quote, `\\${quote}`);
    return `${quote}${escaped}${quote}`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (isRecord(value)) return `{${Object.entries(value).map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(", ")}}`;
  return String(value);
}
