// Small image engines on loopback for tests: AUTOMATIC1111's API (options, models, txt2img),
// ComfyUI (object_info, prompt queue, websocket progress, history, view) and the Gemini
// predict endpoint. Every HTTP request is recorded; each answers a 1x1 PNG.
import type { ServerWebSocket } from "bun";
import { PNG_BASE64, PNG_BYTES, type RecordedRequest } from "./openai";

interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  /** Answer every API call with 500 (the server is "down"). */
  failing: boolean;
  stop(): void;
}

async function record(requests: RecordedRequest[], request: Request): Promise<RecordedRequest> {
  const text = request.method === "GET" ? "" : await request.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {}
  const recorded = { method: request.method, path: new URL(request.url).pathname, headers: Object.fromEntries(request.headers), body };
  requests.push(recorded);
  return recorded;
}

export interface FakeAutomatic1111 extends FakeServer {
  options: Record<string, unknown>;
}

export function startFakeAutomatic1111(): FakeAutomatic1111 {
  const fake: FakeAutomatic1111 = {
    url: "",
    requests: [],
    failing: false,
    options: { sd_model_checkpoint: "v1-5.safetensors [abc]", CLIP_stop_at_last_layers: 1 },
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const { path, body } = await record(fake.requests, request);
      if (fake.failing) return Response.json({ error: "OutOfMemoryError", detail: "", body: "", errors: "CUDA out of memory" }, { status: 500 });
      if (path === "/sdapi/v1/options" && request.method === "GET") return Response.json(fake.options);
      if (path === "/sdapi/v1/options" && request.method === "POST") {
        fake.options = body as Record<string, unknown>;
        return Response.json(null);
      }
      if (path === "/sdapi/v1/sd-models") {
        return Response.json([
          { title: "v1-5.safetensors [abc]", model_name: "v1-5", hash: "abc" },
          { title: "xl.safetensors [def]", model_name: "xl", hash: "def" },
        ]);
      }
      if (path === "/sdapi/v1/txt2img") {
        const count = Number((body as any)?.batch_size ?? 1);
        return Response.json({ images: Array.from({ length: count }, () => PNG_BASE64), parameters: body, info: '{"seed": 42}' });
      }
      return Response.json({ detail: "Not Found" }, { status: 404 });
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}

export interface FakeComfyUI extends FakeServer {
  /** The workflows queued, as received. */
  prompts: Record<string, any>[];
  /** Report an execution error instead of finishing. */
  executionError: boolean;
}

export function startFakeComfyUI(): FakeComfyUI {
  const sockets = new Map<string, ServerWebSocket<{ clientId: string }>>();
  const fake: FakeComfyUI = { url: "", requests: [], prompts: [], failing: false, executionError: false, stop: () => server.stop(true) };
  let next = 0;
  const server = Bun.serve<{ clientId: string }>({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request, srv) {
      const url = new URL(request.url);
      if (url.pathname === "/ws") {
        const clientId = url.searchParams.get("clientId") ?? "";
        if (srv.upgrade(request, { data: { clientId } })) return undefined;
        return new Response("upgrade failed", { status: 400 });
      }
      const { path, body } = await record(fake.requests, request);
      if (fake.failing) return new Response("down", { status: 500 });
      if (path === "/object_info") {
        return Response.json({
          CheckpointLoaderSimple: { input: { required: { ckpt_name: [["sd15.safetensors", "sdxl.safetensors"], {}] } } },
          UNETLoader: { input: { required: { unet_name: [["flux.safetensors"]], weight_dtype: [["default"]] } } },
        });
      }
      if (path === "/prompt" && request.method === "POST") {
        const { prompt, client_id } = body as { prompt: Record<string, any>; client_id: string };
        fake.prompts.push(prompt);
        const promptId = `prompt-${++next}`;
        setTimeout(() => {
          const socket = sockets.get(client_id);
          socket?.send(new Uint8Array([1, 2, 3]));
          socket?.send(JSON.stringify({ type: "executing", data: { node: "3", prompt_id: promptId } }));
          if (fake.executionError) {
            socket?.send(JSON.stringify({ type: "execution_error", data: { prompt_id: promptId, exception_message: "model not found" } }));
          } else {
            socket?.send(JSON.stringify({ type: "executing", data: { node: null, prompt_id: promptId } }));
          }
        }, 20);
        return Response.json({ prompt_id: promptId, number: next, node_errors: {} });
      }
      if (path.startsWith("/history/")) {
        const promptId = decodeURIComponent(path.slice("/history/".length));
        return Response.json({ [promptId]: { outputs: { "9": { images: [{ filename: "ComfyUI_0001.png", subfolder: "", type: "output" }] } } } });
      }
      if (path === "/view") return new Response(PNG_BYTES, { headers: { "content-type": "image/png" } });
      return Response.json({}, { status: 404 });
    },
    websocket: {
      open(ws) {
        sockets.set(ws.data.clientId, ws);
      },
      message() {},
      close(ws) {
        sockets.delete(ws.data.clientId);
      },
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}

export function startFakeGemini(): FakeServer {
  const fake: FakeServer = { url: "", requests: [], failing: false, stop: () => server.stop(true) };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const { path, body } = await record(fake.requests, request);
      if (fake.failing) return Response.json({ error: { code: 400, message: "API key not valid", status: "INVALID_ARGUMENT" } }, { status: 400 });
      if (path.endsWith(":predict")) {
        const count = Number((body as any)?.parameters?.sampleCount ?? 1);
        return Response.json({ predictions: Array.from({ length: count }, () => ({ bytesBase64Encoded: PNG_BASE64, mimeType: "image/png" })) });
      }
      return Response.json({ error: { message: "not found" } }, { status: 404 });
    },
  });
  fake.url = `http://127.0.0.1:${server.port}/v1beta`;
  return fake;
}
