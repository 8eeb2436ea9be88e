// Pipelines on both databases: a Pipelines server as the second OpenAI connection. The admin
// routes of /api/v1/pipelines, pipeline models in /api/models, filter pipelines at inlet (before
// the model) and outlet (/api/chat/completed), and their errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { dialects } from "../support/databases";
import { publishModel, startWorld, type World } from "../fakes/world";
import { PIPELINES_KEY, startFakePipelines, type FakePipelines } from "../fakes/pipelines";
import { memoryRuntime } from "../chat/memory-runtime";

const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let p: FakePipelines;
    let runtime: ReturnType<typeof memoryRuntime>;
    beforeAll(async () => {
      w = await startWorld(dialect, { openai: { models: [{ id: "gpt-fake" }], tokens: ["Hello"] } });
      p = startFakePipelines();
      const res = await w.t.request("POST", "/openai/config/update", {
        token: w.admin.token,
        body: {
          ENABLE_OPENAI_API: true,
          OPENAI_API_BASE_URLS: [w.openai.url, p.url],
          OPENAI_API_KEYS: ["sk-upstream", PIPELINES_KEY],
          OPENAI_API_CONFIGS: {},
        },
      });
      expect(res.status).toBe(200);
      runtime = memoryRuntime();
      provideChatRuntime(w.t.ctx, runtime);
      await publishModel(w, "gpt-fake");
      await publishModel(w, "echo_pipe");
    }, 30_000);
    afterAll(async () => {
      await w.close();
      await p.stop();
    }, 30_000);
    const admin = (method: string, path: string, body?: unknown) => w.t.request(method, path, { token: w.admin.token, body });
    const post = (path: string, body: unknown, token = w.user.token) => w.t.request("POST", path, { token, body });
    const filterCalls = (stage: string) => p.requests.filter((r) => r.path.endsWith(`/filter/${stage}`));

    test("auth levels: every route is for admins", async () => {
      const routes: [string, string][] = [
        ["GET", "/api/v1/pipelines/list"],
        ["POST", "/api/v1/pipelines/upload"],
        ["POST", "/api/v1/pipelines/add"],
        ["DELETE", "/api/v1/pipelines/delete"],
        ["GET", "/api/v1/pipelines/?urlIdx=1"],
        ["GET", "/api/v1/pipelines/echo_pipe/valves?urlIdx=1"],
        ["GET", "/api/v1/pipelines/echo_pipe/valves/spec?urlIdx=1"],
        ["POST", "/api/v1/pipelines/echo_pipe/valves/update?urlIdx=1"],
      ];
      for (const [method, path] of routes) {
        const body = method === "GET" ? undefined : {};
        expect((await w.t.request(method, path, { body })).status).toBe(401);
        for (const token of [w.pending.token, w.user.token]) {
          const res = await w.t.request(method, path, { token, body });
          expect([res.status, res.body.detail]).toEqual([401, PROHIBITED]);
        }
      }
      expect(p.requests.filter((r) => r.path.startsWith("/pipelines") || r.path.includes("/valves"))).toHaveLength(0);
    });

    test("list: only the connections whose /models says pipelines", async () => {
      const res = await admin("GET", "/api/v1/pipelines/list");
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: [{ url: p.url, idx: 1 }] });
    });

    test("pipelines of a connection, with its key", async () => {
      const res = await admin("GET", "/api/v1/pipelines/?urlIdx=1");
      expect(res.status).toBe(200);
      expect(res.body.data.map((x: any) => [x.id, x.type])).toEqual([
        ["echo_pipe", "pipe"],
        ["late_filter", "filter"],
        ["early_filter", "filter"],
      ]);
      expect(p.requests.at(-1)?.headers.authorization).toBe(`Bearer ${PIPELINES_KEY}`);
    });

    test("a urlIdx that names no connection, a missing or malformed one", async () => {
      for (const path of ["/api/v1/pipelines/?urlIdx=7", "/api/v1/pipelines/?urlIdx=-1", "/api/v1/pipelines/", "/api/v1/pipelines/echo_pipe/valves?urlIdx=2"]) {
        const res = await admin("GET", path);
        expect([path, res.status, res.body.detail]).toEqual([path, 404, "Pipeline not found"]);
      }
      const added = await admin("POST", "/api/v1/pipelines/add", { url: "https://example.com/x.py", urlIdx: 9 });
      expect([added.status, added.body.detail]).toEqual([404, "Pipeline not found"]);
      const deleted = await admin("DELETE", "/api/v1/pipelines/delete", { id: "echo_pipe", urlIdx: 9 });
      expect([deleted.status, deleted.body.detail]).toEqual([404, "Pipeline not found"]);
      // Connection 0 is a plain OpenAI server: its own refusal comes back.
      const plain = await admin("GET", "/api/v1/pipelines/?urlIdx=0");
      expect(plain.status).toBe(404);
      expect(typeof plain.body.detail).toBe("string");

      const missing = await admin("GET", "/api/v1/pipelines/echo_pipe/valves");
      expect(missing.status).toBe(422);
      expect(missing.body.detail[0].loc).toEqual(["query", "urlIdx"]);
      const garbled = await admin("GET", "/api/v1/pipelines/?urlIdx=one");
      expect([garbled.status, garbled.body.detail[0].type]).toEqual([422, "int_parsing"]);
      expect((await admin("POST", "/api/v1/pipelines/add", { url: "x" })).status).toBe(422);
      expect((await admin("DELETE", "/api/v1/pipelines/delete", { urlIdx: 1 })).status).toBe(422);
      expect((await admin("POST", "/api/v1/pipelines/echo_pipe/valves/update?urlIdx=1", "[1]")).status).toBe(422);
    });

    test("valves: read, spec, update; the server's own errors pass through", async () => {
      expect((await admin("GET", "/api/v1/pipelines/echo_pipe/valves?urlIdx=1")).body).toEqual({ greeting: "hi" });
      const spec = await admin("GET", "/api/v1/pipelines/echo_pipe/valves/spec?urlIdx=1");
      expect(spec.body.properties.greeting).toEqual({ title: "greeting" });
      const updated = await admin("POST", "/api/v1/pipelines/echo_pipe/valves/update?urlIdx=1", { greeting: "hello" });
      expect([updated.status, updated.body]).toEqual([200, { greeting: "hello" }]);
      expect(p.requests.at(-1)?.body).toEqual({ greeting: "hello" });
      const unknown = await admin("GET", "/api/v1/pipelines/nothing/valves?urlIdx=1");
      expect([unknown.status, unknown.body.detail]).toEqual([404, "Pipeline not found"]);
      // An id with a slash stays one path segment on the Pipelines server.
      const sneaky = await admin("GET", "/api/v1/pipelines/..%2Fpipelines/valves?urlIdx=1");
      expect(sneaky.status).toBe(404);
      expect(p.requests.at(-1)?.path).toBe("/..%2Fpipelines/valves");
    });

    test("add from a URL and delete, with the server's details", async () => {
      const added = await admin("POST", "/api/v1/pipelines/add", { url: "https://example.com/p/wiki.py", urlIdx: 1 });
      expect([added.status, added.body.status]).toEqual([200, true]);
      expect(p.requests.at(-1)?.body).toEqual({ url: "https://example.com/p/wiki.py" });
      const refused = await admin("POST", "/api/v1/pipelines/add", { url: "https://example.com/p/wiki", urlIdx: 1 });
      expect([refused.status, refused.body.detail]).toEqual([400, "Invalid URL"]);
      const deleted = await admin("DELETE", "/api/v1/pipelines/delete", { id: "wiki", urlIdx: 1 });
      expect([deleted.status, deleted.body.detail]).toEqual([200, "Pipeline wiki deleted successfully"]);
      const again = await admin("DELETE", "/api/v1/pipelines/delete", { id: "wiki", urlIdx: 1 });
      expect([again.status, again.body.detail]).toEqual([404, "Pipeline wiki not found"]);
    });

    test("upload: a .py file is forwarded under its bare name; anything else is refused", async () => {
      const send = (fields: Record<string, string | File>) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(fields)) form.append(k, v);
        return w.t.app
          .handle(new Request("http://localhost/api/v1/pipelines/upload", { method: "POST", headers: { authorization: `Bearer ${w.admin.token}` }, body: form }))
          .then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
      };
      const source = "class Pipeline:\n    pass\n";
      const ok = await send({ urlIdx: "1", file: new File([source], "../../etc/uploaded.py") });
      expect([ok.status, ok.body.status]).toEqual([200, true]);
      const forwarded = p.requests.at(-1)!;
      expect(forwarded.path).toBe("/pipelines/upload");
      expect(forwarded.body.file).toEqual({ name: "uploaded.py", size: source.length, text: source });
      expect(forwarded.headers.authorization).toBe(`Bearer ${PIPELINES_KEY}`);

      const count = p.requests.length;
      const text = await send({ urlIdx: "1", file: new File(["x"], "notes.txt") });
      expect([text.status, text.body.detail]).toEqual([400, "Only Python (.py) files are allowed."]);
      const noFile = await send({ urlIdx: "1" });
      expect([noFile.status, noFile.body.detail[0].loc]).toEqual([422, ["body", "file"]]);
      const noIdx = await send({ file: new File(["x"], "a.py") });
      expect([noIdx.status, noIdx.body.detail[0].loc]).toEqual([422, ["body", "urlIdx"]]);
      const farIdx = await send({ urlIdx: "4", file: new File(["x"], "a.py") });
      expect([farIdx.status, farIdx.body.detail]).toEqual([404, "Pipeline not found"]);
      expect(p.requests.length).toBe(count);
      await admin("DELETE", "/api/v1/pipelines/delete", { id: "uploaded", urlIdx: 1 });
    });

    test("/api/models lists the pipe with its pipeline info, not the filters", async () => {
      const res = await w.t.request("GET", "/api/models?refresh=true", { token: w.admin.token });
      const ids = res.body.data.map((m: any) => m.id);
      expect(ids).toContain("echo_pipe");
      expect(ids).not.toContain("late_filter");
      expect(ids).not.toContain("early_filter");
      const pipe = res.body.data.find((m: any) => m.id === "echo_pipe");
      expect(pipe).toMatchObject({ urlIdx: 1, owned_by: "openai", pipeline: { type: "pipe", valves: true }, connection_type: "external" });
    });

    test("inlet: the filters for the model run in priority order before the upstream call", async () => {
      const before = filterCalls("inlet").length;
      const res = await post("/api/chat/completions", { model: "gpt-fake", stream: false, messages: [{ role: "user", content: "hello" }] });
      expect(res.status).toBe(200);
      const calls = filterCalls("inlet").slice(before);
      expect(calls.map((c) => c.path)).toEqual(["/early_filter/filter/inlet", "/late_filter/filter/inlet"]);
      expect(calls[0]!.body.user).toEqual({ id: w.user.id, email: expect.any(String), name: "Ann", role: "user" });
      expect(calls[0]!.body.body.model).toBe("gpt-fake");
      expect(calls[0]!.body.body.metadata.user_id).toBe(w.user.id);
      expect(calls[0]!.headers.authorization).toBe(`Bearer ${PIPELINES_KEY}`);
      const upstream = w.openai.requests.filter((r) => r.path === "/v1/chat/completions").at(-1)!;
      expect(upstream.body.messages.at(-1).content).toBe("hello [inlet:early_filter] [inlet:late_filter]");
      expect(upstream.body.metadata).toBeUndefined();
    });

    test("a pipe model: the filters, then its own inlet, then its completion with the user", async () => {
      const before = filterCalls("inlet").length;
      const res = await post("/api/chat/completions", { model: "echo_pipe", stream: false, messages: [{ role: "user", content: "ping" }] });
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content).toBe("echo: ping [inlet:late_filter]");
      expect(filterCalls("inlet").slice(before).map((c) => c.path)).toEqual(["/late_filter/filter/inlet", "/echo_pipe/filter/inlet"]);
      const completion = p.requests.filter((r) => r.path === "/chat/completions").at(-1)!;
      expect(completion.body.user).toEqual({ name: "Ann", id: w.user.id, email: expect.any(String), role: "user" });
    });

    test("task prompts go through the inlet filters too; a refusal is the filter's answer", async () => {
      const before = filterCalls("inlet").length;
      const form = { model: "gpt-fake", messages: [{ role: "user", content: "hello" }], chat_id: "c9" };
      const res = await post("/api/v1/tasks/title/completions", form);
      expect(res.status).toBe(200);
      const calls = filterCalls("inlet").slice(before);
      expect(calls.map((c) => c.path)).toEqual(["/early_filter/filter/inlet", "/late_filter/filter/inlet"]);
      expect(calls[0]!.body.body.metadata).toMatchObject({ task: "title_generation", chat_id: "c9" });
      const upstream = w.openai.requests.filter((r) => r.path === "/v1/chat/completions").at(-1)!;
      expect(upstream.body.messages.at(-1).content.endsWith(" [inlet:early_filter] [inlet:late_filter]")).toBe(true);

      p.options.inletErrors = { late_filter: { status: 403, body: { detail: "Not for titles" } } };
      try {
        const refused = await post("/api/v1/tasks/title/completions", form);
        expect([refused.status, refused.body.detail]).toEqual([403, "Not for titles"]);
      } finally {
        p.options.inletErrors = undefined;
      }
    });

    test("outlet: /api/chat/completed returns the body the filters made", async () => {
      const body = {
        model: "gpt-fake",
        messages: [
          { role: "user", content: "hello" },
          { role: "assistant", content: "Hi" },
        ],
        chat_id: "c1",
        id: "m1",
        session_id: "s1",
        model_item: { id: "gpt-fake" },
      };
      const res = await post("/api/chat/completed", body);
      expect(res.status).toBe(200);
      expect(res.body.messages.at(-1).content).toBe("Hi [outlet:early_filter] [outlet:late_filter]");
      expect(res.body.model_item).toBeUndefined();
      expect(res.body.chat_id).toBe("c1");
      const last = filterCalls("outlet").at(-1)!;
      expect(last.body.user.id).toBe(w.user.id);

      const before = filterCalls("outlet").length;
      const pipe = await post("/api/chat/completed", { ...body, model: "echo_pipe", model_item: {} });
      expect(pipe.body.messages.at(-1).content).toBe("Hi [outlet:late_filter]");
      expect(filterCalls("outlet").slice(before).map((c) => c.path)).toEqual(["/echo_pipe/filter/outlet", "/late_filter/filter/outlet"]);
    });

    test("a filter's refusal: the model is not called; outlet refusals leave the body as it was", async () => {
      p.options.inletErrors = { early_filter: { status: 429, body: { detail: "Too many requests, it's throttled" } } };
      p.options.outletErrors = { late_filter: { status: 500, body: { detail: "broken" } } };
      try {
        const calls = w.openai.requests.length;
        const res = await post("/api/chat/completions", { model: "gpt-fake", stream: false, messages: [{ role: "user", content: "hello" }] });
        expect([res.status, res.body.detail]).toEqual([429, "Too many requests, it's throttled"]);
        expect(w.openai.requests.length).toBe(calls);

        // In the browser's path the message gets the reference's error text.
        runtime.chats.add("chat-1", w.user.id, [{ id: "u1", role: "user", content: "hello" }, { id: "a1", role: "assistant", content: "" }]);
        const started = await post("/api/chat/completions", {
          model: "gpt-fake",
          messages: [{ role: "user", content: "hello" }],
          chat_id: "chat-1",
          id: "a1",
          session_id: "s1",
        });
        expect(started.body.status).toBe(true);
        const error = await runtime.emit.waitFor((e) => e.payload?.data?.type === "chat:message:error");
        expect(error.payload.data.data.error.content).toBe(`(429, "Too many requests, it's throttled")`);
        expect(runtime.chats.chats.get("chat-1")!.history.messages.a1!.error).toEqual({ content: `(429, "Too many requests, it's throttled")` });
        expect(w.openai.requests.length).toBe(calls);

        const completed = await post("/api/chat/completed", {
          model: "gpt-fake",
          messages: [{ role: "assistant", content: "Hi" }],
          chat_id: "c1",
          id: "m1",
          session_id: "s1",
        });
        expect(completed.status).toBe(200);
        expect(completed.body.messages.at(-1).content).toBe("Hi [outlet:early_filter]");
      } finally {
        p.options.inletErrors = undefined;
        p.options.outletErrors = undefined;
      }
    });

    test("an unreachable Pipelines server: filters are skipped, admin routes answer 404", async () => {
      const url = p.url;
      await w.t.request("POST", "/openai/config/update", {
        token: w.admin.token,
        body: { ENABLE_OPENAI_API: true, OPENAI_API_BASE_URLS: [w.openai.url, "http://127.0.0.1:9"], OPENAI_API_KEYS: ["sk-upstream", PIPELINES_KEY], OPENAI_API_CONFIGS: {} },
      });
      try {
        const res = await admin("GET", "/api/v1/pipelines/?urlIdx=1");
        expect([res.status, res.body.detail]).toEqual([404, "Pipeline not found"]);
        expect((await admin("GET", "/api/v1/pipelines/list")).body).toEqual({ data: [] });
      } finally {
        await w.t.request("POST", "/openai/config/update", {
          token: w.admin.token,
          body: { ENABLE_OPENAI_API: true, OPENAI_API_BASE_URLS: [w.openai.url, url], OPENAI_API_KEYS: ["sk-upstream", PIPELINES_KEY], OPENAI_API_CONFIGS: {} },
        });
      }
    });
  });
}
