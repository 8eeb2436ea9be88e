// Functions in the model list and in chats: pipes as models (single and manifold), their answers
// streamed and whole, errors, the actions and filters each model shows, and events from a pipe
// reaching the chat's sockets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provideChatRuntime } from "../../src/chat/ports";
import { pythonRuntime } from "../../src/functions/plugins";
import { dialects } from "../support/databases";
import { insertFunction } from "../support/functions";
import { pythonAvailable, pythonEnv } from "../support/python";
import { publishModel, startWorld, type World } from "../fakes/world";
import { memoryRuntime, renderedContent } from "../chat/memory-runtime";

const ECHO = `
from pydantic import BaseModel

class Pipe:
    class Valves(BaseModel):
        PREFIX: str = "echo: "

    def __init__(self):
        self.valves = self.Valves()

    async def pipe(self, body: dict, __user__: dict, __event_emitter__=None):
        if __event_emitter__:
            await __event_emitter__({"type": "status", "data": {"description": "echoing", "done": True}})
        text = f"{self.valves.PREFIX}{body['messages'][-1]['content']} ({__user__['name']})"
        if body.get("stream"):
            return (part + " " for part in text.split(" "))
        return text
`;

const MANIFOLD = `
class Pipe:
    def __init__(self):
        self.name = "Many/"

    def pipes(self):
        return [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]

    def pipe(self, body: dict):
        return "from " + body["model"]
`;

const AGENT = `
class Pipe:
    async def pipe(self, body: dict, __tools__: dict) -> str:
        if "add" not in __tools__:
            return "no tools: " + ",".join(__tools__)
        total = await __tools__["add"]["callable"](a=2, b=3)
        return f"{__tools__['add']['tool_id']} says {total} for {await __tools__['whoami']['callable']()}"
`;

const CALCULATOR = `
class Tools:
    def add(self, a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    def whoami(self, __user__: dict) -> str:
        """The caller."""
        return __user__["name"]
`;

/** Streams a word every 50 ms for ever, writing how many it sent into the file its valve names. */
const ENDLESS = `
import asyncio
from pydantic import BaseModel

class Pipe:
    class Valves(BaseModel):
        COUNTER: str = ""

    def __init__(self):
        self.valves = self.Valves()

    async def pipe(self, body: dict):
        sent = 0
        while True:
            sent += 1
            with open(self.valves.COUNTER, "w") as f:
                f.write(str(sent))
            yield f"w{sent} "
            await asyncio.sleep(0.05)
`;

const BROKEN = `
class Pipe:
    def pipe(self, body: dict):
        raise RuntimeError("the pipe broke")
`;

const ACTION = `
class Action:
    actions = [{"id": "up", "name": "Up"}, {"id": "down", "name": "Down", "icon_url": "data:down"}]

    async def action(self, body: dict):
        return body
`;

const TOGGLE_FILTER = `
class Filter:
    def __init__(self):
        self.toggle = True
        self.icon = "data:shout"

    def inlet(self, body: dict) -> dict:
        return body
`;

const PLAIN_FILTER = `
class Filter:
    def inlet(self, body: dict) -> dict:
        return body
`;

for (const dialect of dialects) {
  describe.skipIf(!pythonAvailable)(dialect, () => {
    let w: World;
    let runtime: ReturnType<typeof memoryRuntime>;
    const counter = join(mkdtempSync(join(tmpdir(), "owb-pipe-")), "sent");
    beforeAll(async () => {
      w = await startWorld(dialect, { openai: { models: [{ id: "gpt-fake" }], tokens: ["Hello"] }, env: pythonEnv });
      runtime = memoryRuntime();
      provideChatRuntime(w.t.ctx, runtime);
      const ctx = w.t.ctx;
      await insertFunction(ctx, { id: "echo", name: "Echo", type: "pipe", content: ECHO, valves: { PREFIX: "> " } });
      await insertFunction(ctx, { id: "many", name: "Many", type: "pipe", content: MANIFOLD });
      await insertFunction(ctx, { id: "broken", type: "pipe", content: BROKEN });
      await insertFunction(ctx, { id: "agent", type: "pipe", content: AGENT });
      await insertFunction(ctx, { id: "endless", type: "pipe", content: ENDLESS, valves: { COUNTER: counter } });
      const { specs } = await pythonRuntime(ctx).load({ kind: "tool", id: "calc", content: CALCULATOR });
      const now = Math.floor(Date.now() / 1000);
      await ctx.db.write((tx) =>
        tx.insert(ctx.db.t.tool).values({ id: "calc", user_id: w.admin.id, name: "Calc", content: CALCULATOR, specs, meta: {}, valves: null, access_control: {}, created_at: now, updated_at: now }),
      );
      await insertFunction(ctx, { id: "sleeping", type: "pipe", content: BROKEN, isActive: false });
      await insertFunction(ctx, { id: "votes", name: "Votes", type: "action", content: ACTION, isGlobal: true });
      await insertFunction(ctx, { id: "shout", name: "Shout", type: "filter", content: TOGGLE_FILTER, isGlobal: true });
      await insertFunction(ctx, { id: "quiet", name: "Quiet", type: "filter", content: PLAIN_FILTER, isGlobal: true });
    }, 60_000);
    afterAll(async () => {
      await w.close();
    }, 30_000);
    const chat = (body: Record<string, unknown>, token = w.admin.token) => w.t.request("POST", "/api/chat/completions", { token, body });
    const models = async (token = w.admin.token) => (await w.t.request("GET", "/api/models", { token })).body.data as any[];

    test("active pipes are models ahead of the connections' ones; a manifold gives one per sub-pipe", async () => {
      const list = await models();
      expect(list.map((m) => m.id)).toEqual(["echo", "many.a", "many.b", "broken", "agent", "endless", "gpt-fake", "llama3:latest", "arena-model"]);
      const [echo, manyA] = list;
      expect(echo).toMatchObject({ name: "Echo", object: "model", owned_by: "openai", pipe: { type: "pipe" }, has_user_valves: false });
      expect(manyA).toMatchObject({ id: "many.a", name: "Many/A", pipe: { type: "pipe" } });
      expect((await w.t.request("GET", "/api/models/base", { token: w.admin.token })).body.data.map((m: any) => m.id)).toContain("many.b");
    });

    test("every model shows the global actions (one per sub-action) and the toggleable global filters", async () => {
      const gpt = (await models()).find((m) => m.id === "gpt-fake");
      expect(gpt.actions).toEqual([
        { id: "votes.up", name: "Up", description: "votes description", icon: null },
        { id: "votes.down", name: "Down", description: "votes description", icon: "data:down" },
      ]);
      expect(gpt.filters).toEqual([{ id: "shout", name: "Shout", description: "shout description", icon: "data:shout", has_user_valves: false }]);
    });

    test("a pipe streams its answer as OpenAI chunks, with its stored valves and the caller as __user__", async () => {
      const res = await chat({ model: "echo", stream: true, messages: [{ role: "user", content: "hi there" }] });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const deltas = res.text
        .split("\n\n")
        .filter((line) => line.startsWith("data: {"))
        .map((line) => JSON.parse(line.slice(6)).choices[0].delta.content ?? "");
      expect(deltas.join("")).toBe("> hi there (Admin) ");
      expect(res.text.trim().endsWith("data: [DONE]")).toBe(true);
    });

    test("without streaming the answer is a chat completion; a manifold's pipe learns which sub-model was asked", async () => {
      const res = await chat({ model: "many.b", stream: false, messages: [{ role: "user", content: "hi" }] });
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message).toEqual({ role: "assistant", content: "from many.b" });
    });

    test("a pipe that raises answers its error: an error event when streaming, an error object otherwise", async () => {
      const whole = await chat({ model: "broken", stream: false, messages: [{ role: "user", content: "hi" }] });
      expect(whole.body).toEqual({ error: { detail: "the pipe broke" } });
      const streamed = await chat({ model: "broken", stream: true, messages: [{ role: "user", content: "hi" }] });
      expect(streamed.text).toContain(`data: {"error":{"detail":"the pipe broke"}}`);
    });

    test("a pipe gets the request's Python tools as __tools__, callable with the model's arguments", async () => {
      const res = await chat({ model: "agent", stream: false, messages: [{ role: "user", content: "hi" }], tool_ids: ["calc"] });
      expect(res.body.choices[0].message.content).toBe("calc says 5 for Admin");
      const none = await chat({ model: "agent", stream: false, messages: [{ role: "user", content: "hi" }] });
      expect(none.body.choices[0].message.content).toBe("no tools: ");
    });

    test("an inactive pipe is no model", async () => {
      expect((await chat({ model: "sleeping", messages: [{ role: "user", content: "hi" }] })).status).toBe(400);
    });

    test("a user needs read access to a pipe model like to any other", async () => {
      expect((await chat({ model: "echo", messages: [{ role: "user", content: "hi" }] }, w.user.token)).status).toBe(400);
      expect((await models(w.user.token)).map((m) => m.id)).not.toContain("echo");
      await publishModel(w, "echo");
      expect((await models(w.user.token)).map((m) => m.id)).toContain("echo");
      const res = await chat({ model: "echo", stream: false, messages: [{ role: "user", content: "yo" }] }, w.user.token);
      expect(res.body.choices[0].message.content).toBe("> yo (Ann)");
    });

    test("in a chat the pipe's events reach the user's sockets and its reply is saved", async () => {
      runtime.chats.add("c1", w.admin.id, [{ id: "u1", role: "user", content: "hi" }, { id: "a1", parentId: "u1", role: "assistant", content: "" }]);
      const res = await chat({ model: "echo", stream: true, messages: [{ role: "user", content: "hi" }], chat_id: "c1", id: "a1", session_id: "s1" });
      expect(res.body.status).toBe(true);
      const done = await runtime.emit.waitFor((e) => e.payload.data?.type === "chat:completion" && e.payload.data.data?.done === true);
      expect(done.payload.data.data.content).toBe("> hi (Admin)");
      const events = runtime.emit.of("a1");
      expect(events).toContainEqual({ type: "status", data: { description: "echoing", done: true } });
      expect(renderedContent(events.filter((e) => !e.data?.done)).trim()).toBe("> hi (Admin)");
      expect((await runtime.chats.message(w.admin.id, "c1", "a1"))?.content).toBe("> hi (Admin)");
    });

    test("stopping a pipe's reply stops the pipe in the runner", async () => {
      runtime.chats.add("c2", w.admin.id, [{ id: "u2", role: "user", content: "go" }, { id: "a2", parentId: "u2", role: "assistant", content: "" }]);
      const res = await chat({ model: "endless", stream: true, messages: [{ role: "user", content: "go" }], chat_id: "c2", id: "a2", session_id: "s1" });
      await runtime.emit.waitFor((e) => e.payload.message_id === "a2" && JSON.stringify(e.payload.data).includes("w3"));
      const stop = await w.t.request("POST", `/api/tasks/stop/${res.body.task_id}`, { token: w.admin.token });
      expect(stop.body.status).toBe(true);
      await Bun.sleep(200);
      const sentAtStop = Number(readFileSync(counter, "utf8"));
      await Bun.sleep(400);
      expect(Number(readFileSync(counter, "utf8"))).toBe(sentAtStop);
    });
  });
}
