// A reply turned into `chat-events` for the user's sockets, saved into the chat as it grows
// (process_chat_response of the reference).
//
// Plain text leaves as `choices[0].delta.content` (the frontend appends it); when the rendered
// form changes (reasoning blocks), the whole text is sent as `content` (the frontend replaces),
// at most every REPLACE_INTERVAL_MS, and less often when building it gets costly (at most about
// 1/REPLACE_COST_SHARE of the time), so a long reasoning block cannot take over the CPU.
// The message is saved every SAVE_INTERVAL_MS and at the end.
import type { Json } from "./payload";
import { isRecord } from "./payload";
import { ReplyBuilder, type TagPair, type Update } from "./reply-builder";

export const REPLACE_INTERVAL_MS = 100;
const REPLACE_COST_SHARE = 20;
export const SAVE_INTERVAL_MS = 2_000;

export interface StreamSink {
  /** One chat event ({type, data}) to the user's sockets. */
  emit(event: { type: string; data?: unknown }): void;
  /** Saves fields of the assistant message (never throws). */
  save(patch: Json): Promise<void>;
}

export interface StreamOptions {
  initialContent: string;
  reasoningTags: TagPair[] | null;
  /** Emit one update per this many deltas (CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE / params). */
  chunkSize: number;
  /** features.code_interpreter: <code_interpreter> blocks are detected. */
  codeInterpreter?: boolean;
  now?: () => number;
}

/** The reasoning tags a chat asked for: false = none, a [start, end] pair, or the defaults. */
export function reasoningTagsFrom(param: unknown, defaults: TagPair[]): TagPair[] | null {
  if (param === false) return null;
  if (Array.isArray(param) && param.length === 2 && param.every((p) => typeof p === "string")) {
    return [[param[0] as string, param[1] as string]];
  }
  return defaults;
}

/** The text the frontend would show for an upstream error object. */
function errorContent(error: unknown): unknown {
  if (isRecord(error)) return error.message ?? error.detail ?? error;
  return typeof error === "string" ? error : JSON.stringify(error);
}

function updateToData(update: Update): Json {
  return update.kind === "replace" ? { content: update.content } : { choices: [{ delta: { content: update.text } }] };
}

export class ReplyStream {
  readonly builder: ReplyBuilder;
  private lastReplace = Number.NEGATIVE_INFINITY;
  private replaceGap = REPLACE_INTERVAL_MS;
  private lastSave: number;
  private pendingDeltas = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly now: () => number;
  /** Native tool calls of the current upstream answer, merged from their deltas by index. */
  private toolCalls: Json[] = [];

  constructor(
    private readonly sink: StreamSink,
    private readonly options: StreamOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.lastSave = this.now();
    this.builder = new ReplyBuilder(options.initialContent, options.reasoningTags, undefined, options.codeInterpreter ?? false);
  }

  /** One parsed upstream chunk. */
  handle(data: Json): void {
    if (isRecord(data.event)) this.sink.emit(data.event as { type: string; data?: unknown });
    if ("selected_model_id" in data) {
      void this.sink.save({ selectedModelId: data.selected_model_id });
      this.sink.emit({ type: "chat:completion", data });
      return;
    }
    const usage = { ...(isRecord(data.usage) ? data.usage : {}), ...(isRecord(data.timings) ? data.timings : {}) };
    if (Object.keys(usage).length > 0) this.sink.emit({ type: "chat:completion", data: { usage } });
    const choices = Array.isArray(data.choices) ? data.choices : [];
    if (choices.length === 0) {
      if (data.error) {
        this.sink.emit({ type: "chat:completion", data: { error: data.error } });
        // Kept on the message too, so the error survives if the browser is gone.
        void this.sink.save({ error: { content: errorContent(data.error) } });
      }
      return;
    }
    const choice = isRecord(choices[0]) ? choices[0] : {};
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (Array.isArray(delta.tool_calls)) this.collectToolCalls(delta.tool_calls);
    const reasoning = delta.reasoning_content || delta.reasoning || delta.thinking;
    if (typeof reasoning === "string") this.builder.addReasoning(reasoning);
    if (typeof delta.content === "string") this.builder.addContent(delta.content);
    if (Object.keys(delta).length === 0) {
      this.sink.emit({ type: "chat:completion", data });
      return;
    }
    this.pendingDeltas++;
    if (this.pendingDeltas >= this.options.chunkSize) this.flush(false);
    this.saveIfDue();
  }

  /** Sends what the browser is missing; a whole-text update waits for its interval unless forced. */
  flush(force: boolean): void {
    this.pendingDeltas = 0;
    if (this.builder.structureChanged && !force) {
      const wait = this.lastReplace + this.replaceGap - this.now();
      if (wait > 0) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.flush(true);
        }, wait);
        return;
      }
    }
    const started = performance.now();
    const update = this.builder.takeUpdate();
    if (!update) return;
    this.sink.emit({ type: "chat:completion", data: updateToData(update) });
    if (update.kind === "replace") {
      this.lastReplace = this.now();
      this.replaceGap = Math.max(REPLACE_INTERVAL_MS, (performance.now() - started) * REPLACE_COST_SHARE);
    }
  }

  /** A tool call's first delta is kept as the call; later ones with its index extend name and arguments. */
  private collectToolCalls(deltas: unknown[]): void {
    for (const delta of deltas) {
      if (!isRecord(delta) || delta.index === undefined || delta.index === null) continue;
      const known = this.toolCalls.find((call) => call.index === delta.index);
      const fn = isRecord(delta.function) ? delta.function : {};
      if (!known) {
        this.toolCalls.push({ ...delta, function: { ...fn, name: fn.name ?? "", arguments: fn.arguments ?? "" } });
        continue;
      }
      const target = known.function as Json;
      if (typeof fn.name === "string" && fn.name) target.name = `${target.name}${fn.name}`;
      if (typeof fn.arguments === "string" && fn.arguments) target.arguments = `${target.arguments}${fn.arguments}`;
    }
  }

  /** The tool calls the answer made (they start a new collection for the next answer). */
  takeToolCalls(): Json[] {
    const calls = this.toolCalls;
    this.toolCalls = [];
    return calls;
  }

  /** A round of tool calls is shown (executing), then again with their results. */
  showToolCalls(calls: Json[]): void {
    this.builder.addToolCalls(calls);
    this.flush(true);
  }

  showToolResults(results: Json[]): void {
    this.builder.addToolResults(results);
    this.flush(true);
  }

  /** A code interpreter block was closed: the caller stops reading this answer and runs the code. */
  get codeClosed(): boolean {
    return this.builder.codeClosed;
  }

  /** The code block is shown as analyzing (the code is about to run). */
  showPendingCode(): void {
    this.flush(true);
  }

  /** The code's output goes into its block; the reply goes on after it. */
  showCodeOutput(output: unknown): void {
    this.builder.setCodeOutput(output);
    this.flush(true);
  }

  /** The reply so far as messages for the model's next turn. */
  messages(): Json[] {
    return this.builder.toMessages();
  }

  private saveIfDue(): void {
    if (this.now() - this.lastSave < SAVE_INTERVAL_MS) return;
    this.lastSave = this.now();
    void this.sink.save({ content: this.builder.serialize() });
  }

  /** End of the upstream stream: the last text goes out; returns the final content. */
  finish(): string {
    this.stopTimer();
    this.builder.finish();
    this.flush(true);
    return this.builder.serialize();
  }

  /** Stopped or failed: no more events from this stream. Returns the content so far. */
  abandon(): string {
    this.stopTimer();
    return this.builder.serialize();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
