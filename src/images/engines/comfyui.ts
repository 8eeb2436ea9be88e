// ComfyUI: the admin's workflow (API format) gets the prompt, size, model, steps and seed put
// into the nodes the admin mapped, is queued with POST /prompt, and the images are read from
// /history once ComfyUI's websocket reports the prompt done.
import type { AppContext } from "../../context";
import { isRecord } from "../../chat/payload";
import { downloadImage } from "../image-data";
import { engineJson, ImageError, upstreamSettings, withoutTrailingSlash } from "../http";
import type { WorkflowNode } from "../settings";
import type { EngineContext, EngineResult, ImageJob, ImageModel } from "./types";

type Json = Record<string, unknown>;

function base(ctx: AppContext): string {
  return withoutTrailingSlash(ctx.config.get("COMFYUI_BASE_URL"));
}

function authHeaders(ctx: AppContext): Record<string, string> {
  const key = ctx.config.get("COMFYUI_API_KEY");
  return key ? { Authorization: `Bearer ${key}` } : {};
}

async function objectInfo(ctx: AppContext): Promise<Json> {
  const info = await engineJson(ctx, `${base(ctx)}/object_info`, { headers: authHeaders(ctx) });
  if (!isRecord(info)) throw new ImageError("ComfyUI answered without object_info");
  return info;
}

export async function comfyuiReachable(ctx: AppContext): Promise<void> {
  await objectInfo(ctx);
}

function parseWorkflow(text: string): Record<string, Json> {
  let graph: unknown;
  try {
    graph = JSON.parse(text);
  } catch {
    throw new ImageError("The ComfyUI workflow is not valid JSON");
  }
  if (!isRecord(graph)) throw new ImageError("The ComfyUI workflow is not a JSON object");
  return graph as Record<string, Json>;
}

/** The configured node mapping, whatever shape the stored JSON has. */
function workflowNodes(ctx: AppContext): WorkflowNode[] {
  const nodes: unknown = ctx.config.get("COMFYUI_WORKFLOW_NODES");
  if (!Array.isArray(nodes)) return [];
  return nodes.filter(isRecord).map((n) => ({
    type: typeof n.type === "string" ? n.type : null,
    key: typeof n.key === "string" ? n.key : n.key === undefined ? "text" : null,
    node_ids: Array.isArray(n.node_ids) ? n.node_ids.map(String) : typeof n.node_ids === "string" && n.node_ids.trim() ? n.node_ids.split(",").map((s) => s.trim()) : [],
    value: typeof n.value === "string" ? n.value : null,
  }));
}

/** A combo input's choices: [[choice, …], {…}] or, in newer ComfyUI, ["COMBO", {options: […]}]. */
function choices(input: unknown): string[] | null {
  if (!Array.isArray(input)) return null;
  if (Array.isArray(input[0])) return input[0].map(String);
  if (isRecord(input[1]) && Array.isArray(input[1].options)) return input[1].options.map(String);
  return null;
}

/** The choices of the mapped model node's `*_name` input, or the checkpoint loader's. */
export async function comfyuiModels(ctx: AppContext): Promise<ImageModel[] | null> {
  const info = await objectInfo(ctx);
  const workflow = parseWorkflow(ctx.config.get("COMFYUI_WORKFLOW"));
  const modelNodeId = workflowNodes(ctx).find((n) => n.type === "model")?.node_ids?.[0];
  const requiredInputs = (classType: unknown): Json => {
    const node = typeof classType === "string" ? info[classType] : undefined;
    const required = isRecord(node) && isRecord(node.input) ? node.input.required : undefined;
    if (!isRecord(required)) throw new ImageError(`ComfyUI does not know the node type ${String(classType)}`);
    return required;
  };
  const asModels = (list: string[] | null) => (list ?? []).map((id) => ({ id, name: id }));
  if (modelNodeId) {
    const node = workflow[modelNodeId];
    if (!isRecord(node)) throw new ImageError(`The ComfyUI workflow has no node ${modelNodeId}`);
    const required = requiredInputs(node.class_type);
    const key = Object.keys(required).find((k) => k.includes("_name"));
    return key ? asModels(choices(required[key])) : null;
  }
  return asModels(choices(requiredInputs("CheckpointLoaderSimple").ckpt_name));
}

const DEFAULT_KEYS: Record<string, string> = {
  prompt: "text",
  negative_prompt: "text",
  width: "width",
  height: "height",
  n: "batch_size",
  steps: "steps",
};

/** The workflow with the job's values put into the mapped inputs. */
function fillWorkflow(graph: Record<string, Json>, nodes: WorkflowNode[], values: Json): Record<string, Json> {
  for (const node of nodes) {
    for (const id of node.node_ids ?? []) {
      const target = graph[id];
      if (!isRecord(target)) throw new ImageError(`The ComfyUI workflow has no node ${id}`);
      const inputs = isRecord(target.inputs) ? target.inputs : (target.inputs = {});
      if (!node.type) {
        inputs[node.key ?? "text"] = node.value ?? null;
      } else if (node.type === "model" || node.type === "seed") {
        inputs[node.key ?? "text"] = values[node.type];
      } else if (node.type in DEFAULT_KEYS) {
        inputs[node.key || DEFAULT_KEYS[node.type]!] = values[node.type] ?? null;
      }
    }
  }
  return graph;
}

/** Follows ComfyUI's websocket messages until the prompt is done or has failed. */
class PromptWatcher {
  private done = new Set<string>();
  private failed = new Map<string, string>();
  private waiting: { id: string; resolve: () => void; reject: (e: Error) => void } | null = null;
  private closed: string | null = null;

  constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => this.onMessage(event.data));
    socket.addEventListener("close", () => this.onClose("ComfyUI closed the websocket before the image was done"));
    socket.addEventListener("error", () => this.onClose("The ComfyUI websocket failed"));
  }

  private onMessage(data: unknown): void {
    if (typeof data !== "string") return; // binary messages are previews
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(message) || !isRecord(message.data)) return;
    const promptId = String(message.data.prompt_id ?? "");
    if ((message.type === "executing" && message.data.node === null) || message.type === "execution_success") this.done.add(promptId);
    if (message.type === "execution_error") this.failed.set(promptId, String(message.data.exception_message ?? "ComfyUI failed to run the workflow"));
    if (message.type === "execution_interrupted") this.failed.set(promptId, "ComfyUI interrupted the workflow");
    this.settle();
  }

  private onClose(reason: string): void {
    this.closed ??= reason;
    this.settle();
  }

  private settle(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (this.done.has(waiting.id)) waiting.resolve();
    else if (this.failed.has(waiting.id)) waiting.reject(new ImageError(this.failed.get(waiting.id)!));
    else if (this.closed) waiting.reject(new ImageError(this.closed));
    else return;
    this.waiting = null;
  }

  until(promptId: string, timeoutMs: number | null): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === null ? null : setTimeout(() => this.onClose("ComfyUI took too long"), timeoutMs);
      const clear = () => timer && clearTimeout(timer);
      this.waiting = { id: promptId, resolve: () => (clear(), resolve()), reject: (e) => (clear(), reject(e)) };
      this.settle();
    });
  }
}

function openSocket(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      // Bun's WebSocket takes request headers (ComfyUI behind a proxy may want the API key).
      socket = new WebSocket(url, { headers });
    } catch (error) {
      reject(new ImageError(`Could not connect to ComfyUI's websocket: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    const timer = setTimeout(() => {
      socket.close();
      reject(new ImageError("Could not connect to ComfyUI's websocket: timed out"));
    }, 15_000);
    socket.addEventListener("open", () => (clearTimeout(timer), resolve(socket)), { once: true });
    socket.addEventListener("error", () => (clearTimeout(timer), reject(new ImageError("Could not connect to ComfyUI's websocket"))), { once: true });
  });
}

function outputImages(history: unknown, promptId: string): Json[] {
  const entry = isRecord(history) ? history[promptId] : undefined;
  const outputs = isRecord(entry) && isRecord(entry.outputs) ? entry.outputs : {};
  return Object.values(outputs).flatMap((output) => (isRecord(output) && Array.isArray(output.images) ? output.images.filter(isRecord) : []));
}

export async function comfyuiGenerate({ ctx }: EngineContext, job: ImageJob, model: string): Promise<EngineResult> {
  const root = base(ctx);
  const headers = authHeaders(ctx);
  const steps = ctx.config.get("IMAGE_STEPS");
  const values: Json = {
    prompt: job.prompt,
    width: job.width,
    height: job.height,
    n: job.n,
    ...(steps !== null && steps !== undefined ? { steps } : {}),
    ...(job.negativePrompt !== null ? { negative_prompt: job.negativePrompt } : {}),
  };
  const workflowText = ctx.config.get("COMFYUI_WORKFLOW");
  const nodes = workflowNodes(ctx);
  const graph = fillWorkflow(parseWorkflow(workflowText), nodes, { ...values, model, seed: Math.floor(Math.random() * 2 ** 50) });
  const clientId = crypto.randomUUID();
  const socket = await openSocket(`${root.replace(/^http/, "ws")}/ws?clientId=${clientId}`, headers);
  try {
    const watcher = new PromptWatcher(socket);
    const queued = await engineJson(ctx, `${root}/prompt`, { body: { prompt: graph, client_id: clientId }, headers });
    const promptId = isRecord(queued) ? queued.prompt_id : undefined;
    if (typeof promptId !== "string" || !promptId) throw new ImageError("ComfyUI did not queue the workflow");
    await watcher.until(promptId, upstreamSettings(ctx).requestTimeoutMs);
    const history = await engineJson(ctx, `${root}/history/${encodeURIComponent(promptId)}`, { headers });
    const images = [];
    for (const image of outputImages(history, promptId)) {
      const query = new URLSearchParams({ filename: String(image.filename ?? ""), subfolder: String(image.subfolder ?? ""), type: String(image.type ?? "") });
      images.push(await downloadImage(`${root}/view?${query}`, { base: root, headers }));
    }
    return { images, metadata: { workflow: { workflow: workflowText, nodes }, ...values } };
  } finally {
    socket.close();
  }
}
