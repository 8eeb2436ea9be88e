// Filter functions around chats (inlet before the model, stream on each event of the reply,
// outlet in /api/chat/completed) and action functions (/api/chat/actions/{id}).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { dialects } from "../support/databases";
import { insertFunction } from "../support/functions";
import { pythonAvailable, pythonEnv } from "../support/python";
import { publishModel, startWorld, type World } from "../fakes/world";
import { memoryRuntime, renderedContent } from "../chat/memory-runtime";

/** Tags the last user message at inlet and the last message at outlet with its name. */
const tagging = (name: string, extra = "") => `
from pydantic import BaseModel

class Filter:
    class Valves(BaseModel):
        priority: int = 0

    def __init__(self):
        self.valves = self.Valves()
${extra}
    def inlet(self, body: dict, __id__: str) -> dict:
        body["messages"][-1]["content"] += f" [{__id__}]"
        return body

    async def outlet(self, body: dict, __user__: dict) -> dict:
        body["messages"][-1]["content"] += f" <{'${name}'} for {__user__['name']}>"
        return body
`;

const UPPER_STREAM = `
class Filter:
    def stream(self, event: dict) -> dict:
        for choice in event.get("choices", []):
            delta = choice.get("delta", {})
            if "content" in delta:
                delta["content"] = delta["content"].upper()
        return event
`;

const FAILING_INLET = `
class Filter:
    def inlet(self, body: dict) -> dict:
        raise ValueError("not today")
`;

const ACTION = `
class Action:
    actions = [{"id": "up", "name": "Up"}, {"id": "down", "name": "Down"}]

    async def action(self, body: dict, __id__: str, __user__: dict, __event_emitter__=None):
        if __id__ == "down":
            raise RuntimeError("thumbs down refused")
        if __event_emitter__:
            await __event_emitter__({"type": "status", "data": {"description": "voted", "done": True}})
        last = body["messages"][-1]
        return {"messages": [{"id": last["id"], "content": last["content"] + f" (+1 by {__user__['name']})"}]}
`;

for (const dialect of dialects) {
  describe.skipIf(!pythonAvailable)(dialect, () => {
    let w: World;
    let runtime: ReturnType<typeof memoryRuntime>;
    beforeAll(async () => {
      w = await startWorld(dialect, { openai: { models: [{ id: "gpt-fake" }, { id: "gpt-other" }], tokens: ["Hello", " world"] }, env: pythonEnv });
      runtime = memoryRuntime();
      provideChatRuntime(w.t.ctx, runtime);
      const ctx = w.t.ctx;
      await insertFunction(ctx, { id: "second", type: "filter", content: tagging("second"), isGlobal: true, valves: { priority: 2 } });
      await insertFunction(ctx, { id: "first", type: "filter", content: tagging("first"), isGlobal: true, valves: { priority: 1 } });
      await insertFunction(ctx, { id: "optin", type: "filter", content: tagging("optin", "        self.toggle = True\n"), isGlobal: true, valves: { priority: 3 } });
      await insertFunction(ctx, { id: "named", type: "filter", content: tagging("named"), valves: { priority: 4 } });
      await insertFunction(ctx, { id: "upper", type: "filter", content: UPPER_STREAM, isGlobal: false });
      await insertFunction(ctx, { id: "failing", type: "filter", content: FAILING_INLET, isGlobal: false });
      await insertFunction(ctx, { id: "votes", type: "action", content: ACTION, isGlobal: true });
      await publishModel(w, "gpt-fake");
      await publishModel(w, "gpt-other", { meta: { filterIds: ["named", "upper"] } });
      await publishModel(w, "gpt-failing", { base_model_id: "gpt-fake", meta: { filterIds: ["failing"] } });
    }, 60_000);
    afterAll(async () => {
      await w.close();
    }, 30_000);
    const post = (path: string, body: Record<string, unknown>, token = w.user.token) => w.t.request("POST", path, { token, body });
    const lastUpstreamMessage = () => (w.openai.requests.at(-1)!.body as any).messages.at(-1).content;

    test("inlet: global filters in priority order; a toggle filter only when switched on; a model's own filters", async () => {
      await post("/api/chat/completions", { model: "gpt-fake", stream: false, messages: [{ role: "user", content: "hi" }] });
      expect(lastUpstreamMessage()).toBe("hi [first] [second]");
      await post("/api/chat/completions", { model: "gpt-fake", stream: false, messages: [{ role: "user", content: "hi" }], filter_ids: ["optin"] });
      expect(lastUpstreamMessage()).toBe("hi [first] [second] [optin]");
      await post("/api/chat/completions", { model: "gpt-other", stream: false, messages: [{ role: "user", content: "hi" }] });
      expect(lastUpstreamMessage()).toBe("hi [first] [second] [named]");
    });

    test("an inlet that raises stops the request with its message", async () => {
      const res = await post("/api/chat/completions", { model: "gpt-failing", stream: false, messages: [{ role: "user", content: "hi" }] });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe("not today");
    });

    test("outlet: /api/chat/completed answers the chat as the filters left it", async () => {
      const res = await post("/api/chat/completed", {
        model: "gpt-fake",
        messages: [{ id: "a", role: "assistant", content: "done" }],
        chat_id: "c",
        id: "a",
        session_id: "s",
      });
      expect(res.status).toBe(200);
      expect(res.body.messages[0].content).toBe("done <first for Ann> <second for Ann>");
    });

    test("stream: each event of a chat reply passes through the model's stream filter", async () => {
      runtime.chats.add("c1", w.user.id, [{ id: "u1", role: "user", content: "hi" }, { id: "a1", parentId: "u1", role: "assistant", content: "" }]);
      const res = await post("/api/chat/completions", { model: "gpt-other", stream: true, messages: [{ role: "user", content: "hi" }], chat_id: "c1", id: "a1", session_id: "s1" });
      expect(res.body.status).toBe(true);
      const done = await runtime.emit.waitFor((e) => e.payload.message_id === "a1" && e.payload.data?.type === "chat:completion" && e.payload.data.data?.done === true);
      expect(done.payload.data.data.content).toBe("HELLO WORLD");
      expect(renderedContent(runtime.emit.of("a1").filter((e) => !e.data?.done))).toBe("HELLO WORLD");
    });

    test("an action's answer comes back; its sub-action is its __id__; its events reach the chat", async () => {
      const res = await post("/api/chat/actions/votes.up", {
        model: "gpt-fake",
        messages: [{ id: "a", role: "assistant", content: "nice" }],
        chat_id: "c",
        id: "a",
        session_id: "s",
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ messages: [{ id: "a", content: "nice (+1 by Ann)" }] });
      expect(runtime.emit.of("a")).toContainEqual({ type: "status", data: { description: "voted", done: true } });
    });

    test("an action that raises, an unknown action and a model the user may not use are 400s", async () => {
      const body = { model: "gpt-fake", messages: [{ id: "a", role: "assistant", content: "x" }], chat_id: "c", id: "a" };
      const failed = await post("/api/chat/actions/votes.down", body);
      expect([failed.status, failed.body.detail]).toEqual([400, "Error: thumbs down refused"]);
      const unknown = await post("/api/chat/actions/nothing", body);
      expect([unknown.status, unknown.body.detail]).toEqual([400, "Action not found: nothing"]);
      const notAction = await post("/api/chat/actions/first", body);
      expect(notAction.body.detail).toBe("Action not found: first");
      const hidden = await post("/api/chat/actions/votes.up", { ...body, model: "gpt-hidden" });
      expect([hidden.status, hidden.body.detail]).toEqual([400, "Model not found"]);
    });

    test("auth: actions need a signed-in, verified user", async () => {
      expect((await w.t.request("POST", "/api/chat/actions/votes.up", { body: {} })).status).toBe(401);
      expect((await post("/api/chat/actions/votes.up", {}, w.pending.token)).status).toBe(401);
    });
  });
}
