// Python tools (the `tool` table) in chat completions, on both databases: with default function
// calling the task model's pick is run in the Python runner with the tool's valves, the user's
// valves and the dunder arguments it declares, and cited; with native function calling its spec
// goes upstream without reserved parameters and the streamed call is run. A private tool of
// another user is never offered.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { pythonRuntime, storeUserValves } from "../../src/functions/plugins";
import { dialects } from "../support/databases";
import { pythonAvailable, pythonEnv } from "../support/python";
import { publishModel, startWorld, type World } from "../fakes/world";
import { memoryRuntime } from "./memory-runtime";

const PICK_PROMPT = "You can call the tools";
const isTask = (body: any) => JSON.stringify(body.messages ?? []).includes(PICK_PROMPT);
const hasToolResults = (body: any) => (body.messages ?? []).some((m: any) => m.role === "tool");

const WEATHER = `
from pydantic import BaseModel

class Tools:
    class Valves(BaseModel):
        unit: str = "C"

    class UserValves(BaseModel):
        nickname: str = "friend"

    def __init__(self):
        self.valves = self.Valves()

    async def get_weather(self, city: str, __user__: dict, __event_emitter__=None) -> str:
        """
        Current weather in a city.
        :param city: City name
        """
        if __event_emitter__:
            await __event_emitter__({"type": "status", "data": {"description": f"looking up {city}", "done": True}})
        return f"21 {self.valves.unit} in {city}, {__user__['valves'].nickname} {__user__['name']}"

    def explode(self) -> str:
        """Always fails."""
        raise RuntimeError("kaboom")
`;

const SECRET = `
class Tools:
    def secret_tool(self) -> str:
        """Bob's own."""
        return "secret"
`;

for (const dialect of dialects) {
  describe.skipIf(!pythonAvailable)(dialect, () => {
    let w: World;
    let rt: ReturnType<typeof memoryRuntime>;
    let turn = 0;
    let pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris", "made_up": 1}}]}';
    const nativeCalls = [{ id: "call_1", name: "get_weather", arguments: '{"city": "Oslo"}' }];

    const insertTool = async (id: string, userId: string, content: string, valves: Record<string, unknown> | null, accessControl: unknown) => {
      const { specs } = await pythonRuntime(w.t.ctx).load({ kind: "tool", id, content });
      const now = Math.floor(Date.now() / 1000);
      await w.t.ctx.db.write((tx) =>
        tx.insert(w.t.ctx.db.t.tool).values({ id, user_id: userId, name: id, content, specs, meta: { description: id, manifest: {} }, valves, access_control: accessControl, created_at: now, updated_at: now }),
      );
    };

    beforeAll(async () => {
      w = await startWorld(dialect, {
        env: pythonEnv,
        openai: {
          models: [{ id: "gpt-fake" }],
          tokens: ["Done."],
          reply: (body) => (isTask(body) ? [pick] : body.tools && !hasToolResults(body) ? [] : undefined),
          toolCalls: (body) => (body.tools && !hasToolResults(body) ? nativeCalls : undefined),
        },
      });
      rt = memoryRuntime();
      provideChatRuntime(w.t.ctx, rt);
      await publishModel(w, "gpt-fake");
      // Ann's tool with a stored valve; Bob's private one (access_control {}: only its owner).
      await insertTool("weather", w.user.id, WEATHER, { unit: "F" }, {});
      await insertTool("secret", w.other.id, SECRET, null, {});
      await storeUserValves(w.t.ctx, w.user.id, "tools", "weather", { nickname: "dear" });
    }, 60_000);
    afterAll(async () => {
      await w.close();
    }, 30_000);

    const chatRequests = () => w.openai.requests.filter((r) => r.path === "/v1/chat/completions");

    const ask = async (extra: Record<string, unknown>) => {
      turn++;
      const chatId = `chat-${turn}`;
      const messageId = `a${turn}`;
      rt.chats.add(chatId, w.user.id, [
        { id: `u${turn}`, role: "user", content: "Weather?" },
        { id: messageId, parentId: `u${turn}`, role: "assistant", content: "" },
      ]);
      const before = chatRequests().length;
      const res = await w.t.request("POST", "/api/chat/completions", {
        token: w.user.token,
        body: { model: "gpt-fake", stream: true, messages: [{ role: "user", content: "Weather?" }], session_id: "sid-1", chat_id: chatId, id: messageId, ...extra },
      });
      expect(res.status).toBe(200);
      await rt.emit.waitFor((e) => e.payload.message_id === messageId && e.payload.data?.type === "chat:completion" && e.payload.data.data?.done === true);
      return { message: rt.chats.chats.get(chatId)!.history.messages[messageId]!, events: rt.emit.of(messageId), requests: chatRequests().slice(before) };
    };

    test("default calling: the pick runs in Python with valves, user valves and __user__, and is cited", async () => {
      const { message, events, requests } = await ask({ tool_ids: ["weather", "secret"] });
      const task = requests.find((r) => isTask(r.body))!;
      expect(task.body.messages[0].content).toContain('"name":"get_weather"');
      expect(task.body.messages[0].content).not.toContain("secret_tool");
      expect(task.body.messages[0].content).not.toContain("__user__");
      const result = "21 F in Paris, dear Ann";
      expect(message.sources).toEqual([
        { source: { name: "weather/get_weather" }, document: [result], metadata: [{ source: "weather/get_weather", parameters: { city: "Paris" } }], tool_result: true },
      ]);
      expect(events).toContainEqual({ type: "status", data: { description: "looking up Paris", done: true } });
      const answer = requests.find((r) => !isTask(r.body))!;
      expect(answer.body.messages.at(-1).content).toContain(result);
    });

    test("user valves saved through the route apply to the very next chat", async () => {
      const saved = await w.t.request("POST", "/api/v1/tools/id/weather/valves/user/update", { token: w.user.token, body: { nickname: "pal" } });
      expect(saved.body).toEqual({ nickname: "pal" });
      const { message } = await ask({ tool_ids: ["weather"] });
      expect(message.sources[0].document).toEqual(["21 F in Paris, pal Ann"]);
      await w.t.request("POST", "/api/v1/tools/id/weather/valves/user/update", { token: w.user.token, body: { nickname: "dear" } });
    });

    test("a tool that raises gives its error text as the result", async () => {
      pick = '{"tool_calls": [{"name": "explode", "parameters": {}}]}';
      try {
        const { message } = await ask({ tool_ids: ["weather"] });
        expect(message.sources[0].document).toEqual(["kaboom"]);
      } finally {
        pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}]}';
      }
    });

    test("another user's private tool is not offered", async () => {
      pick = '{"tool_calls": [{"name": "secret_tool", "parameters": {}}]}';
      try {
        const { message, requests } = await ask({ tool_ids: ["secret"] });
        expect(requests.some((r) => isTask(r.body))).toBe(false);
        expect(message.sources ?? []).toEqual([]);
      } finally {
        pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}]}';
      }
    });

    test("native calling: the spec goes upstream without reserved parameters and the call is run", async () => {
      const { requests, message } = await ask({ tool_ids: ["weather"], params: { function_calling: "native" } });
      const [first, second] = requests;
      const weather = first!.body.tools.find((t: any) => t.function.name === "get_weather");
      expect(weather).toEqual({
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather in a city.",
          parameters: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
        },
      });
      const toolMessage = second!.body.messages.find((m: any) => m.role === "tool");
      expect(toolMessage.content).toBe("21 F in Oslo, dear Ann");
      expect(message.content).toContain("Done.");
    });
  });
}
