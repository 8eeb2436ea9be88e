// A completion by a pipe function (generate_function_chat_completion): the model row's params and
// system prompt are applied, then the pipe's `pipe(body, ...)` runs in the Python runner. A
// streamed answer arrives as SSE lines (strings and generators become OpenAI chunks there); a
// whole one as a chat completion. Errors come back the way the reference returns them.
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import { applyModelRow, type Caller } from "../openai/completions";
import { applyModelParamsOpenAI, isRecord, type Json } from "../chat/payload";
import type { UpstreamReply } from "../chat/reply";
import { ChatError } from "../chat/errors";
import { chatRuntime } from "../chat/ports";
import { findUserById, type UserRow } from "../users/repository";
import { toUserModel } from "../users/views";
import { pluginEvents } from "./plugin-events";
import { functionSource, pythonRuntime, storedValves, toolSource, userValvesOf } from "./plugins";
import { readablePythonTools } from "../chat/python-tools";
import { findFunction } from "./repository";

const encoder = new TextEncoder();

/** The dunder arguments Open WebUI offers a pipe, from the request's metadata. */
function pipeExtras(user: UserRow, metadata: Json): Json {
  return {
    __chat_id__: metadata.chat_id ?? null,
    __session_id__: metadata.session_id ?? null,
    __message_id__: metadata.message_id ?? null,
    __task__: metadata.task ?? null,
    __task_body__: metadata.task_body ?? null,
    __files__: metadata.files ?? [],
    __user__: toUserModel(user),
    __metadata__: metadata,
    __oauth_token__: null,
  };
}

export async function pipeCompletion(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  caller: Caller & { role: string },
  signal?: AbortSignal,
): Promise<UpstreamReply> {
  // Plugins get the whole user (settings included, for their user valves).
  const user = await findUserById(ctx.db, caller.id);
  if (!user) throw new ChatError("Model not found");
  const metadata = isRecord(form.metadata) ? form.metadata : {};
  delete form.metadata;
  const applied = await applyModelRow(catalog, form, user, metadata, true, "openai", applyModelParamsOpenAI);
  const body = applied.payload;
  const pipeId = String(body.model).split(".")[0] as string;
  const row = await findFunction(ctx.db, pipeId);
  if (!row || !row.is_active) throw new ChatError("Model not found");
  const call = {
    method: "pipe",
    args: { body },
    tools: await pipeTools(ctx, metadata.tool_ids, user),
    extras: pipeExtras(user, metadata),
    valves: storedValves(row.valves),
    userValves: userValvesOf(user, "functions", pipeId),
    events: pluginEvents(ctx, { ...metadata, user_id: user.id }, chatRuntime(ctx)?.emit),
  };
  const runtime = pythonRuntime(ctx);
  const source = functionSource(row);
  if (!body.stream) {
    try {
      return { kind: "json", status: 200, body: await runtime.call(source, { ...call, signal }) };
    } catch (error) {
      return { kind: "json", status: 200, body: { error: { detail: messageOf(error) } } };
    }
  }
  const stream = sseBody((onChunk, cancelled) => runtime.call(source, { ...call, signal: anySignal(signal, cancelled) }, onChunk));
  return { kind: "sse", status: 200, headers: new Headers({ "content-type": "text/event-stream" }), body: stream };
}

/** The Python tools of the request that the user may read, loaded for the pipe's `__tools__`. */
async function pipeTools(ctx: AppContext, toolIds: unknown, user: UserRow) {
  const tools = [];
  for (const row of await readablePythonTools(ctx, toolIds, user)) {
    try {
      await pythonRuntime(ctx).load(toolSource(row));
      tools.push({ id: row.id, valves: storedValves(row.valves), user_valves: userValvesOf(user, "tools", row.id) });
    } catch (error) {
      ctx.log.warn(`tool ${row.id} could not be loaded`, messageOf(error));
    }
  }
  return tools;
}

const anySignal = (...signals: (AbortSignal | undefined)[]) => AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The pipe's SSE lines as a body; an error before the first line becomes an error event. When
 * the reader goes away (a stop), the call is cancelled in the runner.
 */
function sseBody(run: (onChunk: (chunk: string) => void, signal: AbortSignal) => Promise<unknown>): ReadableStream<Uint8Array> {
  const abort = new AbortController();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let sent = false;
      const push = (text: string) => {
        if (!abort.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      run((chunk) => {
        sent = true;
        push(chunk.endsWith("\n\n") ? chunk : `${chunk}\n\n`);
      }, abort.signal)
        .catch((error) => {
          if (!sent) push(`data: ${JSON.stringify({ error: { detail: messageOf(error) } })}\n\n`);
        })
        .finally(() => {
          if (!abort.signal.aborted) controller.close();
        });
    },
    cancel() {
      abort.abort();
    },
  });
}
