// The models of Ollama nodes (/api/tags), merged across nodes, with the load expiry from /api/ps.
import { fetchJsonOrNull, type UpstreamSettings, type UserInfo } from "../core/upstream";
import type { Json } from "../openai/models";
import { ollamaHeaders, type OllamaConnection } from "./connections";

/** One node's /api/tags models after its model_ids filter, prefix, tags and type; null = no answer. */
export async function fetchOllamaTags(
  settings: UpstreamSettings,
  connection: OllamaConnection,
  user: UserInfo | null,
): Promise<Json[] | null> {
  if (!connection.enabled) return null;
  const response = await fetchJsonOrNull(
    `${connection.url}/api/tags`,
    ollamaHeaders(settings, connection, user),
    settings.modelListTimeoutMs,
  );
  if (typeof response !== "object" || response === null || Array.isArray(response)) return null;
  const raw = (response as Json).models;
  let models = Array.isArray(raw) ? raw.filter((m): m is Json => typeof m === "object" && m !== null) : [];
  const { model_ids: modelIds, prefix_id: prefix, tags, connection_type: type } = connection.config;
  if (Array.isArray(modelIds) && modelIds.length > 0) models = models.filter((m) => modelIds.includes(m.model as string));
  return models.map((original) => {
    const model: Json = { ...original };
    if (prefix) model.model = `${prefix}.${model.model}`;
    if (Array.isArray(tags) && tags.length > 0) model.tags = tags;
    model.connection_type = type || "local";
    return model;
  });
}

/** Models present on several nodes become one entry listing every node index in `urls`. */
export function mergeOllamaModels(perConnection: { connection: OllamaConnection; models: Json[] | null }[]): Json[] {
  const merged = new Map<string, Json>();
  for (const { connection, models } of perConnection) {
    for (const model of models ?? []) {
      const id = model.model;
      if (typeof id !== "string") continue;
      const known = merged.get(id);
      if (known) (known.urls as number[]).push(connection.idx);
      else merged.set(id, { ...model, urls: [connection.idx] });
    }
  }
  return [...merged.values()];
}

/** /api/ps of every enabled node, prefixed like the tags, merged the same way. */
export async function fetchLoadedModels(
  settings: UpstreamSettings,
  connections: OllamaConnection[],
  user: UserInfo | null,
): Promise<Json[]> {
  const answers = await Promise.all(
    connections.map(async (connection) => {
      if (!connection.enabled) return { connection, models: null };
      const response = await fetchJsonOrNull(
        `${connection.url}/api/ps`,
        ollamaHeaders(settings, connection, user),
        settings.modelListTimeoutMs,
      );
      const raw = typeof response === "object" && response !== null ? (response as Json).models : null;
      if (!Array.isArray(raw)) return { connection, models: response ? [] : null };
      const prefix = connection.config.prefix_id;
      const models = raw
        .filter((m): m is Json => typeof m === "object" && m !== null)
        .map((m) => (prefix ? { ...m, model: `${prefix}.${m.model}` } : { ...m }));
      return { connection, models };
    }),
  );
  return mergeOllamaModels(answers);
}

/** Unix seconds of an expiry written as ISO 8601 with an offset, or undefined. */
export function expiryToSeconds(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

/** The base list items built from merged Ollama models (fetch_ollama_models). */
export function ollamaBaseItems(models: Json[], created: number): Json[] {
  return models.map((model) => ({
    id: model.model,
    name: model.name,
    object: "model",
    created,
    owned_by: "ollama",
    ollama: model,
    connection_type: model.connection_type ?? "local",
    tags: model.tags ?? [],
  }));
}
