// Native function calling in a streamed reply (process_chat_response of the reference): when an
// answer ends with tool calls, they are shown as executing, run against their tool servers,
// shown with their results, and the model is asked again with the calls and results appended as
// assistant and tool messages. This repeats while the model keeps calling tools, up to
// CHAT_RESPONSE_MAX_TOOL_CALL_RETRIES rounds.
import { pythonJsonDumps } from "../core/python-json";
import { continueReply, type ReplyRounds } from "./continue-reply";
import { isRecord, type Json } from "./payload";
import { runTool, type ChatTools } from "./tools";

export interface ToolRounds extends ReplyRounds {
  tools: ChatTools;
}

/** CHAT_RESPONSE_MAX_TOOL_CALL_RETRIES (30; garbage or empty = 30). */
export function maxToolRounds(raw: Record<string, string | undefined>): number {
  const value = Number.parseInt(raw.CHAT_RESPONSE_MAX_TOOL_CALL_RETRIES ?? "", 10);
  return Number.isFinite(value) ? value : 30;
}

/** The model's arguments text as an object; text that does not parse gives no arguments. */
function parseArguments(text: unknown): Json {
  if (isRecord(text)) return text;
  if (typeof text !== "string") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

async function runCalls(tools: ChatTools, calls: Json[]): Promise<Json[]> {
  const results: Json[] = [];
  for (const call of calls) {
    const fn = isRecord(call.function) ? call.function : {};
    const params = parseArguments(fn.arguments);
    // What the model sees again is always valid JSON (an empty "" becomes "{}").
    call.function = { ...fn, arguments: pythonJsonDumps(params) };
    const result = await runTool(tools, typeof fn.name === "string" ? fn.name : "", params);
    results.push({
      tool_call_id: call.id ?? "",
      content: result.content,
      ...(result.files.length ? { files: result.files } : {}),
      ...(result.embeds.length ? { embeds: result.embeds } : {}),
    });
  }
  return results;
}

/** Runs the rounds of tool calls the streamed answers make; returns when the model stops calling. */
export async function runToolRounds(r: ToolRounds): Promise<void> {
  const max = maxToolRounds(r.ctx.env.raw);
  for (let round = 0; round < max; round++) {
    const calls = r.stream.takeToolCalls();
    if (calls.length === 0) return;
    r.stream.showToolCalls(calls);
    const results = await runCalls(r.tools, calls);
    if (r.signal.aborted) return;
    r.stream.showToolResults(results);
    await r.save(r.stream.builder.serialize());
    const next: Json = {
      model: r.form.model,
      stream: true,
      tools: r.form.tools,
      messages: [...structuredClone(r.messages), ...r.stream.messages()],
      metadata: r.form.metadata,
    };
    await continueReply(r, next, "the tool results");
  }
}
