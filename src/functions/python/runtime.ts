// One Python process per server that loads and runs functions and tools (runner.py), started on
// first use and again after it dies. Calls are JSON lines tagged with an id, so any number run
// at once; a call's events (__event_emitter__, __event_call__) come back tagged with its id.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { Env } from "../../core/env";
import { cacheDir } from "../../core/env";
import type { Logger } from "../../core/logger";
import runnerSource from "./runner.py" with { type: "text" };
import { PythonUnavailable, pythonFor } from "./python-env";

export type PluginKind = "function" | "tool";

/** A plugin's source as stored: `function` or `tool` row id and content. */
export interface PluginSource {
  kind: PluginKind;
  id: string;
  content: string;
}

/** What loading a module tells about it. */
export interface PluginInfo {
  type: "pipe" | "filter" | "action" | "tool";
  frontmatter: Record<string, string>;
  valves_spec: Record<string, unknown> | null;
  user_valves_spec: Record<string, unknown> | null;
  has_user_valves: boolean;
  methods: string[];
  has_pipes: boolean;
  toggle: boolean;
  file_handler: boolean;
  citation: boolean;
  icon: string | null;
  name: string | null;
  actions: Record<string, unknown>[] | null;
  /** Tools only: an OpenAI function spec per public method. */
  specs?: Record<string, unknown>[];
}

export interface PluginEvents {
  emit(event: unknown): void | Promise<void>;
  ask(event: unknown): Promise<unknown>;
}

export interface PluginCall {
  method: string;
  /** The call's own arguments (`body`, `event`, a tool's parameters). */
  args: Record<string, unknown>;
  /** Dunder arguments offered to the handler (`__user__`, `__metadata__`, ...); it takes those it declares. */
  extras?: Record<string, unknown>;
  valves?: Record<string, unknown> | null;
  userValves?: Record<string, unknown> | null;
  /** Without events, `__event_emitter__` and `__event_call__` are None. */
  events?: PluginEvents;
  /** Aborting cancels the call in the runner (its answer is then a PluginError). */
  signal?: AbortSignal;
  /** Python tools offered to a pipe as `__tools__` (loaded with `load` first). */
  tools?: { id: string; valves: Record<string, unknown>; user_valves: Record<string, unknown> }[];
}

/** An error raised by the plugin's code or while loading it; the message is Python's. */
export class PluginError extends Error {}

interface Pending {
  /** The process the request went to: only its exit fails the request. */
  child: Subprocess;
  resolve(value: unknown): void;
  reject(error: Error): void;
  events?: PluginEvents;
  onChunk?(chunk: string): void;
}

interface Message {
  id?: number;
  ok?: unknown;
  error?: string;
  chunk?: string;
  emit?: unknown;
  ask?: unknown;
  req?: number;
  ready?: boolean;
}

export class PythonRuntime {
  private child: Subprocess<"pipe", "pipe", "pipe"> | null = null;
  private starting: Promise<Subprocess<"pipe", "pipe", "pipe">> | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 0;
  /** Module hashes the current process holds, by `kind:id`. */
  private loaded = new Map<string, string>();
  private infos = new Map<string, PluginInfo>();

  constructor(
    private readonly env: Pick<Env, "raw" | "dataDir">,
    private readonly log: Logger,
  ) {}

  /** Loads (or reloads) the module and describes it; a module that fails to load is a PluginError. */
  async load(source: PluginSource): Promise<PluginInfo> {
    const key = `${source.kind}:${source.id}`;
    const hash = Bun.hash(source.content).toString(36);
    const cached = this.infos.get(`${key}:${hash}`);
    if (cached && this.loaded.get(key) === hash) return cached;
    const info = (await this.request({ op: "load", kind: source.kind, name: source.id, content: source.content })) as PluginInfo;
    this.loaded.set(key, hash);
    if (this.infos.size > 1000) this.infos.clear();
    this.infos.set(`${key}:${hash}`, info);
    return info;
  }

  /** Runs one method of the module and returns what it returned (JSON). */
  async call(source: PluginSource, call: PluginCall, onChunk?: (chunk: string) => void): Promise<unknown> {
    await this.load(source);
    const request = {
      op: "call",
      kind: source.kind,
      name: source.id,
      method: call.method,
      args: call.args,
      extras: call.extras ?? {},
      valves: call.valves ?? null,
      user_valves: call.userValves ?? null,
      events: Boolean(call.events),
      stream: Boolean(onChunk),
      tools: call.tools ?? [],
    };
    return this.request(request, { events: call.events, onChunk }, call.signal);
  }

  /** Validates valves against the module's `Valves` or `UserValves`; gives what to store. */
  async validate(source: PluginSource, which: "Valves" | "UserValves", data: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.load(source);
    return (await this.request({ op: "validate", kind: source.kind, name: source.id, which, data })) as Record<string, unknown>;
  }

  /** The code formatted by black (a PluginError with black's message when it cannot parse it). */
  async format(code: string): Promise<string> {
    return (await this.request({ op: "format", code })) as string;
  }

  stop(): void {
    this.child?.kill();
    this.child = null;
  }

  private async request(body: Record<string, unknown>, hooks: Omit<Pending, "resolve" | "reject" | "child"> = {}, signal?: AbortSignal): Promise<unknown> {
    const child = await this.process();
    const id = ++this.nextId;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { child, resolve, reject, ...hooks }));
    if (!this.send(child, { ...body, id })) {
      this.pending.delete(id);
      throw new PluginError("The Python runner stopped");
    }
    if (signal) {
      const cancel = () => this.send(child, { op: "cancel", id: ++this.nextId, target: id });
      if (signal.aborted) cancel();
      else signal.addEventListener("abort", cancel, { once: true });
      void answer.catch(() => {}).finally(() => signal.removeEventListener("abort", cancel));
    }
    return answer;
  }

  /** False when the process is gone (it exited, or its stdin is closed). */
  private send(child: Subprocess<"pipe", "pipe", "pipe">, message: Record<string, unknown>): boolean {
    if (this.child !== child) return false;
    try {
      child.stdin.write(`${JSON.stringify(message)}\n`);
      child.stdin.flush();
      return true;
    } catch {
      return false;
    }
  }

  private process(): Promise<Subprocess<"pipe", "pipe", "pipe">> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.spawn().finally(() => (this.starting = null));
    return this.starting;
  }

  private async spawn(): Promise<Subprocess<"pipe", "pipe", "pipe">> {
    const python = await pythonFor(this.env);
    const dir = join(cacheDir(this.env), "functions");
    mkdirSync(dir, { recursive: true });
    const script = join(dir, `runner-${Bun.hash(runnerSource).toString(36)}.py`);
    writeFileSync(script, runnerSource);
    let child: Subprocess<"pipe", "pipe", "pipe">;
    try {
      child = Bun.spawn({
        cmd: [python, "-u", script],
        cwd: dir,
        env: { ...process.env, PYTHONUNBUFFERED: "1" },
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      });
    } catch (error) {
      throw new PythonUnavailable(`The Python for functions and tools (${python}) could not start: ${error instanceof Error ? error.message : error}`);
    }
    // The server may exit while the runner idles; the runner ends when its stdin closes.
    child.unref();
    const ready = Promise.withResolvers<void>();
    void this.readLines(child.stdout, (message) => {
      if (message.ready) ready.resolve();
      else this.dispatch(message);
    }).finally(() => ready.reject(new PythonUnavailable(`The Python runner (${python}) stopped before it was ready: does it have pydantic 2? (its errors are in the log)`)));
    void this.readLines(child.stderr, null);
    void child.exited.then((code) => this.onExit(child, code));
    try {
      await ready.promise;
    } catch (error) {
      child.kill();
      throw error;
    }
    this.loaded.clear();
    this.child = child;
    return child;
  }

  private onExit(child: Subprocess, code: number | null): void {
    if (this.child === child) {
      this.child = null;
      this.loaded.clear();
    }
    const error = new PluginError(`The Python runner stopped (exit code ${code})`);
    for (const [id, pending] of this.pending) {
      if (pending.child !== child) continue;
      this.pending.delete(id);
      pending.reject(error);
    }
  }

  private dispatch(message: Message): void {
    const pending = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!pending) return;
    if (message.chunk !== undefined) pending.onChunk?.(message.chunk);
    else if (message.emit !== undefined) void Promise.resolve(pending.events?.emit(message.emit)).catch((e) => this.log.warn("a plugin event failed", e));
    else if (message.ask !== undefined) this.answerAsk(pending, message);
    else {
      this.pending.delete(message.id as number);
      if (message.error !== undefined) pending.reject(new PluginError(message.error));
      else pending.resolve(message.ok ?? null);
    }
  }

  private answerAsk(pending: Pending, message: Message): void {
    const child = this.child;
    const reply = (result: unknown) => child && this.send(child, { op: "reply", req: message.req, result });
    const asked = pending.events ? pending.events.ask(message.ask) : Promise.resolve(null);
    void asked.then(reply, () => reply(null));
  }

  /** Lines of the runner's stdout go to `handle`; its stderr (the plugins' prints) to the log. */
  private async readLines(stream: ReadableStream<Uint8Array>, handle: ((message: Message) => void) | null): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const bytes of stream) {
      buffered += decoder.decode(bytes, { stream: true });
      let end = buffered.indexOf("\n");
      while (end !== -1) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (handle) this.parseLine(line, handle);
        else if (line.trim()) this.log.info(`[python] ${line}`);
        end = buffered.indexOf("\n");
      }
    }
  }

  private parseLine(line: string, handle: (message: Message) => void): void {
    try {
      handle(JSON.parse(line) as Message);
    } catch (error) {
      this.log.warn("unreadable line from the Python runner", line.slice(0, 200), error);
    }
  }
}
