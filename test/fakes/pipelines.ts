// A small Pipelines server on loopback, shaped like open-webui/pipelines: /models lists a pipe and
// filter pipelines (with `"pipelines": true`), filters rewrite the last message at inlet and
// outlet, the valves routes keep their values, and pipelines can be added, uploaded and deleted.
// Every request needs the API key and is recorded.
import type { RecordedRequest } from "./openai";

export const PIPELINES_KEY = "0p3n-w3bu!";

export interface FakePipeline {
  id: string;
  name: string;
  type: "pipe" | "filter";
  /** Filters: the model ids they apply to (["*"] = all). */
  pipelines?: string[];
  priority?: number;
  valves?: Record<string, unknown>;
}

export interface FakePipelinesOptions {
  pipelines?: FakePipeline[];
  /** Filter id → the error its inlet (or outlet) answers. */
  inletErrors?: Record<string, { status: number; body: unknown }>;
  outletErrors?: Record<string, { status: number; body: unknown }>;
}

export interface FakePipelines {
  url: string;
  requests: RecordedRequest[];
  pipelines: FakePipeline[];
  options: FakePipelinesOptions;
  stop(): Promise<void>;
}

export const DEFAULT_PIPELINES: FakePipeline[] = [
  { id: "echo_pipe", name: "Echo Pipe", type: "pipe", valves: { greeting: "hi" } },
  { id: "late_filter", name: "Late Filter", type: "filter", pipelines: ["*"], priority: 5, valves: { pipelines: ["*"], priority: 5 } },
  { id: "early_filter", name: "Early Filter", type: "filter", pipelines: ["gpt-fake"], priority: 1, valves: { pipelines: ["gpt-fake"], priority: 1 } },
];

function modelOf(p: FakePipeline) {
  return {
    id: p.id,
    name: p.name,
    object: "model",
    created: 1700000000,
    owned_by: "openai",
    pipeline: {
      type: p.type,
      ...(p.type === "filter" ? { pipelines: p.pipelines ?? [], priority: p.priority ?? 0 } : {}),
      valves: Boolean(p.valves),
    },
  };
}

/** The mark a filter leaves on the last message, so tests can see which ran in which order. */
function mark(body: any, text: string): any {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages.at(-1);
  if (last && typeof last.content === "string") last.content += text;
  return body;
}

export function startFakePipelines(options: FakePipelinesOptions = {}): FakePipelines {
  const requests: RecordedRequest[] = [];
  const pipelines: FakePipeline[] = structuredClone(options.pipelines ?? DEFAULT_PIPELINES);
  const json = (body: unknown, status = 200) => Response.json(body, { status });
  const find = (id: string) => pipelines.find((p) => p.id === id);

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      const path = url.pathname;
      let body: any = null;
      const type = request.headers.get("content-type") ?? "";
      if (type.includes("multipart/form-data")) {
        const form = await request.formData();
        body = {};
        for (const [name, value] of form.entries()) {
          body[name] = typeof value === "string" ? value : { name: value.name, size: value.size, text: await value.text() };
        }
      } else if (request.method !== "GET") {
        const text = await request.text();
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
      }
      requests.push({ method: request.method, path, query: url.search, headers: Object.fromEntries(request.headers), body });
      if (request.headers.get("authorization") !== `Bearer ${PIPELINES_KEY}`) return json({ detail: "Invalid API key" }, 403);

      if (path === "/models" || path === "/v1/models") {
        return json({ data: pipelines.map(modelOf), object: "list", pipelines: true });
      }
      if (path === "/pipelines" && request.method === "GET") {
        return json({ data: pipelines.map((p) => ({ id: p.id, name: p.name, type: p.type, valves: Boolean(p.valves) })) });
      }
      if (path === "/pipelines/add" && request.method === "POST") {
        const source = String(body?.url ?? "");
        if (!source.endsWith(".py")) return json({ detail: "Invalid URL" }, 400);
        const id = source.split("/").pop()!.replace(/\.py$/, "");
        pipelines.push({ id, name: id, type: "pipe" });
        return json({ status: true, detail: `Pipeline ${id} added successfully from ${source}` });
      }
      if (path === "/pipelines/upload" && request.method === "POST") {
        const name = String(body?.file?.name ?? "");
        const id = name.replace(/\.py$/, "");
        pipelines.push({ id, name: id, type: "pipe" });
        return json({ status: true, detail: `Pipeline ${id} added successfully from ${name}`, file_path: `./pipelines/${name}` });
      }
      if (path === "/pipelines/delete" && request.method === "DELETE") {
        const at = pipelines.findIndex((p) => p.id === body?.id);
        if (at === -1) return json({ detail: `Pipeline ${body?.id} not found` }, 404);
        pipelines.splice(at, 1);
        return json({ status: true, detail: `Pipeline ${body.id} deleted successfully` });
      }
      if (path === "/chat/completions" || path === "/v1/chat/completions") {
        const last = body?.messages?.at(-1)?.content ?? "";
        return json({
          id: "pipe-1",
          object: "chat.completion",
          created: 1700000000,
          model: body?.model,
          choices: [{ index: 0, message: { role: "assistant", content: `echo: ${last}` }, finish_reason: "stop" }],
        });
      }
      const match = /^\/([^/]+)\/(filter\/inlet|filter\/outlet|valves|valves\/spec|valves\/update)$/.exec(path);
      const pipeline = match ? find(decodeURIComponent(match[1]!)) : undefined;
      if (!match || !pipeline) return json({ detail: "Pipeline not found" }, 404);
      const action = match[2];
      if (action === "filter/inlet" || action === "filter/outlet") {
        const stage = action === "filter/inlet" ? "inlet" : "outlet";
        const error = (stage === "inlet" ? options.inletErrors : options.outletErrors)?.[pipeline.id];
        if (error) return json(error.body, error.status);
        // A pipe without its own inlet/outlet hands the body back unchanged.
        if (pipeline.type !== "filter") return json(body?.body);
        return json(mark(body?.body, ` [${stage}:${pipeline.id}]`));
      }
      if (!pipeline.valves) return json({ detail: `Valves for ${pipeline.id} not found` }, 404);
      if (action === "valves") return json(pipeline.valves);
      if (action === "valves/spec") {
        const properties = Object.fromEntries(Object.keys(pipeline.valves).map((key) => [key, { title: key }]));
        return json({ properties, title: "Valves", type: "object" });
      }
      pipeline.valves = { ...pipeline.valves, ...body };
      return json(pipeline.valves);
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    pipelines,
    options,
    stop: async () => {
      await server.stop(true);
    },
  };
}
