// OpenAI ⇄ Ollama: request bodies, NDJSON chunks, final answers, embeddings
// (utils/payload.py and utils/response.py of the reference).
import { isRecord, moveRootParams, type Json } from "../chat/payload";

function parseArguments(value: unknown): unknown {
  if (typeof value !== "string") return value ?? {};
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
}

export function openaiMessagesToOllama(messages: unknown): Json[] {
  if (!Array.isArray(messages)) return [];
  return messages.filter(isRecord).map((message) => {
    const out: Json = { role: message.role };
    const content = message.content ?? [];
    const toolCalls = message.tool_calls;
    if (typeof content === "string" && !toolCalls) {
      out.content = content;
      if (message.tool_call_id) out.tool_call_id = message.tool_call_id;
    } else if (Array.isArray(toolCalls) && toolCalls.length > 0) {
      out.tool_calls = toolCalls.filter(isRecord).map((call) => {
        const fn = isRecord(call.function) ? call.function : {};
        return {
          index: call.index ?? 0,
          id: call.id ?? null,
          function: { name: fn.name ?? "", arguments: parseArguments(fn.arguments) },
        };
      });
      out.content = "";
    } else if (Array.isArray(content)) {
      let text = "";
      const images: string[] = [];
      for (const item of content.filter(isRecord)) {
        if (item.type === "text") text += String(item.text ?? "");
        else if (item.type === "image_url") {
          let url = isRecord(item.image_url) ? String(item.image_url.url ?? "") : "";
          if (url.startsWith("data:")) url = url.split(",").at(-1) ?? "";
          if (url) images.push(url);
        }
      }
      if (text) out.content = text.trim();
      if (images.length) out.images = images;
    }
    return out;
  });
}

/** convert_payload_openai_to_ollama. */
export function openaiPayloadToOllama(payload: Json): Json {
  const out: Json = {
    model: payload.model,
    messages: openaiMessagesToOllama(payload.messages),
    stream: payload.stream ?? false,
  };
  if ("tools" in payload) out.tools = payload.tools;
  if (isRecord(payload.options) && Object.keys(payload.options).length > 0) {
    const options: Json = { ...payload.options };
    moveRootParams(options, out);
    if ("max_tokens" in options) {
      options.num_predict = options.max_tokens;
      delete options.max_tokens;
    }
    if ("system" in options) {
      out.system = options.system;
      delete options.system;
    }
    out.options = options;
  }
  if ("stop" in payload) out.options = { ...(isRecord(out.options) ? out.options : {}), stop: payload.stop };
  if ("metadata" in payload) out.metadata = payload.metadata;
  if (isRecord(payload.response_format)) {
    const type = payload.response_format.type;
    const schema = typeof type === "string" ? payload.response_format[type] : undefined;
    if (isRecord(schema)) out.format = schema.schema;
  }
  return out;
}

function toolCallsToOpenAI(calls: unknown): Json[] | null {
  if (!Array.isArray(calls) || calls.length === 0) return null;
  return calls.filter(isRecord).map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    return {
      index: call.index ?? fn.index ?? 0,
      id: call.id ?? `call_${crypto.randomUUID()}`,
      type: "function",
      function: { name: fn.name ?? "", arguments: JSON.stringify(fn.arguments ?? {}) },
    };
  });
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const round2 = (v: number) => Math.round(v * 100) / 100;

/** convert_ollama_usage_to_openai. */
export function ollamaUsageToOpenAI(data: Json): Json {
  const evalCount = num(data.eval_count);
  const evalDuration = num(data.eval_duration);
  const promptCount = num(data.prompt_eval_count);
  const promptDuration = num(data.prompt_eval_duration);
  const total = Math.floor(num(data.total_duration) / 1_000_000_000);
  return {
    "response_token/s": evalDuration > 0 ? round2((evalCount / (evalDuration / 10_000_000)) * 100) : "N/A",
    "prompt_token/s": promptDuration > 0 ? round2((promptCount / (promptDuration / 10_000_000)) * 100) : "N/A",
    total_duration: num(data.total_duration),
    load_duration: num(data.load_duration),
    prompt_eval_count: promptCount,
    prompt_tokens: Math.trunc(promptCount),
    prompt_eval_duration: promptDuration,
    eval_count: evalCount,
    completion_tokens: Math.trunc(evalCount),
    eval_duration: evalDuration,
    approximate_total: `${Math.floor(total / 3600)}h${Math.floor((total % 3600) / 60)}m${total % 60}s`,
    total_tokens: Math.trunc(promptCount + evalCount),
    completion_tokens_details: { reasoning_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function messageTemplate(model: unknown): Json {
  return {
    id: `${model}-${crypto.randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, logprobs: null, finish_reason: null }],
  };
}

/** One NDJSON line of /api/chat as an OpenAI chat.completion.chunk. */
export function ollamaChunkToOpenAI(data: Json): Json {
  const model = data.model ?? "ollama";
  const message = isRecord(data.message) ? data.message : {};
  const content = message.content;
  const reasoning = message.thinking;
  const toolCalls = toolCallsToOpenAI(message.tool_calls);
  const chunk = messageTemplate(model);
  chunk.object = "chat.completion.chunk";
  const choice = (chunk.choices as Json[])[0] as Json;
  const delta: Json = {};
  if (content) delta.content = content;
  if (reasoning) delta.reasoning_content = reasoning;
  if (toolCalls) delta.tool_calls = toolCalls;
  choice.delta = delta;
  if (!content && !reasoning && !toolCalls) choice.finish_reason = "stop";
  if (data.done) chunk.usage = ollamaUsageToOpenAI(data);
  return chunk;
}

/** A non-streamed /api/chat answer as an OpenAI chat.completion. */
export function ollamaResponseToOpenAI(data: Json): Json {
  const model = data.model ?? "ollama";
  const message = isRecord(data.message) ? data.message : {};
  const toolCalls = toolCallsToOpenAI(message.tool_calls);
  const reasoning = message.thinking;
  const out = messageTemplate(model);
  out.object = "chat.completion";
  const choice = (out.choices as Json[])[0] as Json;
  choice.message = {
    role: "assistant",
    content: message.content ?? "",
    ...(reasoning ? { reasoning_content: reasoning } : {}),
    ...(toolCalls ? { tool_calls: toolCalls } : {}),
  };
  choice.finish_reason = "stop";
  out.usage = ollamaUsageToOpenAI(data);
  return out;
}

/** OpenAI embeddings request → Ollama's legacy /api/embeddings body. */
export function embeddingRequestToOllama(payload: Json): Json {
  const input = payload.input;
  const out: Json = { model: payload.model };
  if (Array.isArray(input)) {
    out.input = input;
    out.prompt = input.map(String).join("\n");
  } else {
    out.input = [input];
    out.prompt = String(input);
  }
  for (const key of ["options", "truncate", "keep_alive"]) if (key in payload) out[key] = payload[key];
  return out;
}

export function embeddingResponseToOpenAI(response: unknown): unknown {
  if (!isRecord(response)) return response;
  if (Array.isArray(response.embeddings)) {
    return {
      object: "list",
      data: response.embeddings.map((item, i) => ({
        object: "embedding",
        embedding: isRecord(item) ? item.embedding : item,
        index: isRecord(item) && typeof item.index === "number" ? item.index : i,
      })),
      model: response.model ?? null,
    };
  }
  if ("embedding" in response) {
    return { object: "list", data: [{ object: "embedding", embedding: response.embedding, index: 0 }], model: response.model ?? null };
  }
  return response;
}
