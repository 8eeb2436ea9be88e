// Turning a chat request into the body an upstream receives: the chat's and the model row's
// parameters, the system prompt with its placeholders (utils/payload.py, utils/misc.py).
import { HttpError } from "../core/errors";
import { fillUserAndDate, fillVariables, type ChatMessage, type TemplateUser } from "../tasks/prompt";

export type Json = Record<string, unknown>;

/** Parameters only Open WebUI understands; never sent upstream. */
const OPEN_WEBUI_PARAMS = ["stream_response", "stream_delta_chunk_size", "function_calling", "reasoning_tags", "system"];

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A free-form JSON object body (FastAPI's `form_data: dict`), with pydantic's 422s otherwise. */
export async function readJsonObject(request: Request): Promise<Json> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new HttpError(422, [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error" }]);
  }
  if (!isRecord(body)) throw new HttpError(422, [{ type: "dict_type", loc: ["body"], msg: "Input should be a valid dictionary" }]);
  return body;
}

/** FastAPI's reading of a boolean query value. */
export function queryFlag(value: unknown): boolean {
  return typeof value === "string" && ["true", "1", "yes", "on"].includes(value.toLowerCase());
}

/** Merges `source` into `target`; nested objects of `target` are copied, never changed in place. */
export function deepUpdate(target: Json, source: Json): Json {
  for (const [key, value] of Object.entries(source)) {
    target[key] = isRecord(value) ? deepUpdate(isRecord(target[key]) ? { ...(target[key] as Json) } : {}, value) : value;
  }
  return target;
}

/** Strips Open WebUI's own keys and merges `custom_params` (JSON strings parsed when they parse). */
function upstreamParams(params: Json): Json {
  const out: Json = { ...params };
  for (const key of OPEN_WEBUI_PARAMS) delete out[key];
  const custom = out.custom_params;
  delete out.custom_params;
  if (isRecord(custom) && Object.keys(custom).length > 0) {
    const parsed: Json = {};
    for (const [key, value] of Object.entries(custom)) {
      if (typeof value === "string") {
        try {
          parsed[key] = JSON.parse(value);
          continue;
        } catch {}
      }
      parsed[key] = value;
    }
    deepUpdate(out, parsed);
  }
  return out;
}

/** "token:bias, token:bias" → {token: bias} with the bias clamped to ±100. */
export function logitBiasToJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const out: Record<string, number> = {};
  for (const pair of value.split(",")) {
    const [token, bias] = pair.split(":");
    const number = Number.parseInt((bias ?? "").trim(), 10);
    if (token === undefined || !Number.isFinite(number)) return value;
    out[token.trim()] = Math.max(-100, Math.min(100, number));
  }
  return out;
}

/** apply_params_to_form_data: the request's `params` become body keys (or Ollama `options`). */
export function applyChatParams(form: Json, ownedBy: unknown): Json {
  const params = isRecord(form.params) ? form.params : {};
  delete form.params;
  const merged = upstreamParams(params);
  if (ownedBy === "ollama") {
    form.options = merged;
    return form;
  }
  for (const [key, value] of Object.entries(merged)) if (value !== null && value !== undefined) form[key] = value;
  if (merged.logit_bias !== null && merged.logit_bias !== undefined) form.logit_bias = logitBiasToJson(merged.logit_bias);
  return form;
}

/** Python's bytes(s, "utf-8").decode("unicode_escape") for the escapes people type in stop words. */
export function unescapeStop(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\\'"abfnrtv0])/g, (_, code: string) => {
    switch (code[0]) {
      case "x":
      case "u":
      case "U":
        return String.fromCodePoint(Number.parseInt(code.slice(1), 16));
      case "n":
        return "\n";
      case "t":
        return "\t";
      case "r":
        return "\r";
      case "a":
        return "\x07";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "v":
        return "\v";
      case "0":
        return "\0";
      default:
        return code;
    }
  });
}

const toFloat = (v: unknown) => {
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : v;
};
const toInt = (v: unknown) => {
  const n = typeof v === "number" ? Math.trunc(v) : Number.parseInt(String(v), 10);
  return Number.isFinite(n) ? n : v;
};
const toStop = (v: unknown) => (Array.isArray(v) ? v.map((s) => (typeof s === "string" ? unescapeStop(s) : s)) : v);
const same = (v: unknown) => v;

const OPENAI_CASTS: Record<string, (v: unknown) => unknown> = {
  temperature: toFloat,
  top_p: toFloat,
  min_p: toFloat,
  max_tokens: toInt,
  frequency_penalty: toFloat,
  presence_penalty: toFloat,
  reasoning_effort: (v) => String(v),
  seed: same,
  stop: toStop,
  logit_bias: same,
  response_format: same,
};

const OLLAMA_CASTS: Record<string, (v: unknown) => unknown> = {
  temperature: toFloat,
  top_p: toFloat,
  seed: same,
  mirostat: toInt,
  mirostat_eta: toFloat,
  mirostat_tau: toFloat,
  num_ctx: toInt,
  num_batch: toInt,
  num_keep: toInt,
  num_predict: toInt,
  repeat_last_n: toInt,
  top_k: toInt,
  min_p: toFloat,
  repeat_penalty: toFloat,
  presence_penalty: toFloat,
  frequency_penalty: toFloat,
  stop: toStop,
  num_gpu: toInt,
  use_mmap: Boolean,
  use_mlock: Boolean,
  num_thread: toInt,
};

function copyParams(params: Json, target: Json, casts: Record<string, (v: unknown) => unknown>): Json {
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    const cast = casts[key];
    target[key] = cast ? cast(value) : value;
  }
  return target;
}

/** A model row's params applied to an OpenAI body (apply_model_params_to_body_openai). */
export function applyModelParamsOpenAI(params: Json, form: Json): Json {
  return copyParams(upstreamParams(params), form, OPENAI_CASTS);
}

const parseMaybeJson = (value: unknown) => {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
};

/** A model row's params applied to an Ollama body: most go to `options`, a few to the root. */
export function applyModelParamsOllama(params: Json, form: Json): Json {
  const merged = upstreamParams(params);
  if (merged.max_tokens !== null && merged.max_tokens !== undefined) {
    merged.num_predict = merged.max_tokens;
    delete merged.max_tokens;
  }
  moveRootParams(merged, form);
  form.options = copyParams(merged, isRecord(form.options) ? form.options : {}, OLLAMA_CASTS);
  return form;
}

/** format, keep_alive and think live at the root of an Ollama request, not in options. */
export function moveRootParams(options: Json, form: Json): void {
  const roots: Record<string, (v: unknown) => unknown> = { format: parseMaybeJson, keep_alive: parseMaybeJson, think: Boolean };
  for (const [key, cast] of Object.entries(roots)) {
    if (options[key] !== null && options[key] !== undefined) {
      form[key] = cast(options[key]);
      delete options[key];
    }
  }
}

function addToContent(message: ChatMessage, text: string, append: boolean): void {
  const join = (existing: unknown) => (append ? `${existing}\n${text}` : `${text}\n${existing}`);
  if (Array.isArray(message.content)) {
    for (const item of message.content) {
      if (isRecord(item) && item.type === "text") item.text = join(item.text);
    }
  } else message.content = join(message.content);
}

/** add_or_update_system_message: adds to a leading system message (before its text unless `append`) or inserts one. */
export function addOrUpdateSystemMessage(text: string, messages: ChatMessage[], { append = false } = {}): ChatMessage[] {
  const first = messages[0];
  if (first && first.role === "system") addToContent(first, text, append);
  else messages.unshift({ role: "system", content: text });
  return messages;
}

/** add_or_update_user_message: adds to a trailing user message (after its text) or appends one. */
export function addOrUpdateUserMessage(text: string, messages: ChatMessage[]): ChatMessage[] {
  const last = messages[messages.length - 1];
  if (last && last.role === "user") addToContent(last, text, true);
  else messages.push({ role: "user", content: text });
  return messages;
}

/** apply_system_prompt_to_body: fills the variables, then puts the prompt first. */
export function applySystemPrompt(
  system: unknown,
  form: Json,
  variables: unknown,
  user: TemplateUser | null,
): Json {
  if (typeof system !== "string" || !system) return form;
  const text = fillUserAndDate(fillVariables(system, variables), user);
  const messages = Array.isArray(form.messages) ? (form.messages as ChatMessage[]) : [];
  form.messages = addOrUpdateSystemMessage(text, messages);
  return form;
}

export function firstSystemMessage(messages: unknown): ChatMessage | undefined {
  if (!Array.isArray(messages)) return undefined;
  return messages.find((m): m is ChatMessage => isRecord(m) && m.role === "system");
}
