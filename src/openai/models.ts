// The model list of one OpenAI-compatible connection and the merged items of all of them,
// shaped like routers/openai.py get_all_models.
import { fetchJsonOrNull, userInfoHeaders, type UpstreamSettings, type UserInfo } from "../core/upstream";
import type { OpenAIConnection } from "./connections";

export type Json = Record<string, unknown>;

const OPENAI_NON_CHAT = ["babbage", "dall-e", "davinci", "embedding", "tts", "whisper"];

export function isOpenAIHost(url: string): boolean {
  return url.includes("api.openai.com");
}

export function isNonChatOpenAIModel(id: unknown): boolean {
  return typeof id === "string" && OPENAI_NON_CHAT.some((name) => id.includes(name));
}

/**
 * The raw models of one connection after the connection's prefix, tags and type are applied;
 * null when the connection is disabled or did not answer with a list.
 */
export async function fetchOpenAIModels(
  settings: UpstreamSettings,
  connection: OpenAIConnection,
  user: UserInfo | null,
): Promise<Json[] | null> {
  if (!connection.enabled) return null;
  const modelIds = connection.config.model_ids ?? [];
  let response: unknown;
  if (connection.configured && Array.isArray(modelIds) && modelIds.length > 0) {
    response = {
      object: "list",
      data: modelIds.map((id) => ({ id, name: id, owned_by: "openai", openai: { id }, urlIdx: connection.idx })),
    };
  } else {
    const headers = {
      ...(connection.key ? { Authorization: `Bearer ${connection.key}` } : {}),
      ...userInfoHeaders(settings, user),
    };
    response = await fetchJsonOrNull(`${connection.url}/models`, headers, settings.modelListTimeoutMs);
  }
  const list = Array.isArray(response)
    ? response
    : typeof response === "object" && response !== null && "data" in response
      ? (response as Json).data
      : null;
  if (!Array.isArray(list)) return null;
  return list.filter((m): m is Json => typeof m === "object" && m !== null).map((m) => decorate(m, connection));
}

function decorate(raw: Json, connection: OpenAIConnection): Json {
  const model: Json = { ...raw };
  if ("name" in model && model.name === null) delete model.name;
  const { prefix_id: prefix, tags, connection_type: type } = connection.config;
  if (prefix) model.id = `${prefix}.${model.id ?? model.name ?? ""}`;
  if (Array.isArray(tags) && tags.length > 0) model.tags = tags;
  model.connection_type = type || "external";
  return model;
}

/** Merged base items of every connection, in connection order. */
export function mergeOpenAIModels(
  perConnection: { connection: OpenAIConnection; models: Json[] | null }[],
): Json[] {
  const merged: Json[] = [];
  for (const { connection, models } of perConnection) {
    if (!models) continue;
    for (const model of models) {
      if (!model.id && !model.name) continue;
      if (isOpenAIHost(connection.url) && isNonChatOpenAIModel(model.id)) continue;
      merged.push({
        ...model,
        name: model.name ?? model.id,
        owned_by: "openai",
        openai: model,
        connection_type: model.connection_type ?? "external",
        urlIdx: connection.idx,
      });
    }
  }
  return merged;
}
