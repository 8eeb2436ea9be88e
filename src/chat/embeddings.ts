// POST /api/embeddings: an OpenAI-style embeddings request sent to the model's connection
// (utils/embeddings.py); Ollama models use /api/embeddings and the answer is converted.
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import type { ModelCatalog } from "../models/catalog";
import { ollamaHeaders, withoutPrefix, withTag } from "../ollama/connections";
import { embeddingRequestToOllama, embeddingResponseToOpenAI } from "../ollama/convert";
import { nodeForModel, requestOllama } from "../ollama/upstream";
import { openaiConnection, openaiHeaders, type CallerCredentials } from "../openai/connections";
import { postToUpstream } from "../openai/completions";
import type { UserRow } from "../users/repository";
import type { Json } from "./payload";
import { replyToResponse } from "./reply";

export async function embeddings(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: UserRow,
  credentials: CallerCredentials,
): Promise<unknown> {
  const { byId } = await catalog.models({ user });
  const model = typeof form.model === "string" ? byId.get(form.model) : undefined;
  if (!model) throw new HttpError(400, "Model not found");
  if (user.role === "user" && !(await catalog.canUse(user, model))) throw new HttpError(400, "Model not found");

  if (model.owned_by === "ollama") {
    const payload = embeddingRequestToOllama(form);
    const name = String(payload.model);
    const node = await nodeForModel(ctx, catalog, withTag(name));
    const body = { model: withoutPrefix(node, name), prompt: payload.prompt, options: payload.options, keep_alive: payload.keep_alive };
    const answer = await requestOllama(
      catalog.upstream,
      "POST",
      `${node.url}/api/embeddings`,
      ollamaHeaders(catalog.upstream, node, user),
      JSON.stringify(Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null))),
    );
    return embeddingResponseToOpenAI(answer);
  }

  const known = catalog.openaiItem(String(form.model));
  const connection = openaiConnection(ctx, known ? (known.urlIdx as number) : 0);
  if (!connection) throw new HttpError(400, "Model not found");
  const reply = await postToUpstream(
    `${connection.url}/embeddings`,
    openaiHeaders(catalog.upstream, connection, user, credentials),
    JSON.stringify(form),
    catalog.upstream.requestTimeoutMs,
  );
  return replyToResponse(reply);
}
