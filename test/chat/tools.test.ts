// Tool servers in chat completions, on both databases: with default function calling the task
// model picks the calls (JSON), the tool server is called over HTTP and its result is cited and
// put into the prompt; with native function calling the tools go upstream, the streamed tool
// calls are run, shown as Open WebUI's tool-call blocks, and the model answers with the results.
// The tool server and the model are fakes on loopback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { dialects } from "../support/databases";
import { publishModel, startWorld, type World } from "../fakes/world";
import { startFakeToolServer, type FakeToolServer } from "../fakes/tool-server";
import { memoryRuntime, renderedContent } from "./memory-runtime";

const PICK_PROMPT = "You can call the tools";

function sseData(text: string): any[] {
  return text
    .split("\n\n")
    .map((block) => block.trim())
    .filter((block) => block.startsWith("data:") && !block.includes("[DONE]"))
    .map((block) => JSON.parse(block.slice(5)));
}

const isTask = (body: any) => JSON.stringify(body.messages ?? []).includes(PICK_PROMPT);
const hasToolResults = (body: any) => (body.messages ?? []).some((m: any) => m.role === "tool");

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let rt: ReturnType<typeof memoryRuntime>;
    let server: FakeToolServer;
    let turn = 0;
    /** What the task model answers when asked which tools to call. */
    let pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris", "units": "f", "made_up": 1}}]}';
    /** The native tool calls of the first answer (none once tool results are in the conversation). */
    let nativeCalls = [{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }];

    beforeAll(async () => {
      server = startFakeToolServer();
      w = await startWorld(dialect, {
        openai: {
          models: [{ id: "gpt-fake" }],
          tokens: ["It is", " 21 degrees."],
          reply: (body) => (isTask(body) ? [pick] : body.tools && !hasToolResults(body) ? [] : undefined),
          toolCalls: (body) => (body.tools && !hasToolResults(body) ? nativeCalls : undefined),
        },
      });
      rt = memoryRuntime();
      provideChatRuntime(w.t.ctx, rt);
      await publishModel(w, "gpt-fake");
      const connection = (extra: Record<string, unknown>) => ({
        url: server.url,
        path: "openapi.json",
        auth_type: "bearer",
        key: "tool-key",
        config: { enable: true, access_control: null },
        ...extra,
      });
      const saved = await w.t.request("POST", "/api/v1/configs/tool_servers", {
        token: w.admin.token,
        body: {
          TOOL_SERVER_CONNECTIONS: [
            connection({}),
            connection({ info: { id: "private" }, config: { enable: true, access_control: {} } }),
          ],
        },
      });
      expect(saved.status).toBe(200);
    }, 30_000);
    afterAll(async () => {
      await w.close();
      await server.stop();
    }, 30_000);

    const chatRequests = () => w.openai.requests.filter((r) => r.path === "/v1/chat/completions");
    const weatherCalls = () => server.requests.filter((r) => r.path.startsWith("/weather/"));

    /** A chat turn through the socket path; resolves with the saved message and the events. */
    const ask = async (extra: Record<string, unknown>) => {
      turn++;
      const chatId = `chat-${turn}`;
      const messageId = `a${turn}`;
      rt.chats.add(chatId, w.user.id, [
        { id: `u${turn}`, parentId: null, childrenIds: [messageId], role: "user", content: "How warm is it in Paris?" },
        { id: messageId, parentId: `u${turn}`, childrenIds: [], role: "assistant", content: "", model: "gpt-fake" },
      ]);
      const before = chatRequests().length;
      const res = await w.t.request("POST", "/api/chat/completions", {
        token: w.user.token,
        body: {
          model: "gpt-fake",
          stream: true,
          messages: [{ role: "user", content: "How warm is it in Paris?" }],
          session_id: "sid-1",
          chat_id: chatId,
          id: messageId,
          ...extra,
        },
      });
      expect(res.status).toBe(200);
      await rt.emit.waitFor((e) => e.payload.message_id === messageId && e.payload.data?.type === "chat:completion" && e.payload.data.data?.done === true);
      const message = rt.chats.chats.get(chatId)!.history.messages[messageId]!;
      return { message, events: rt.emit.of(messageId), requests: chatRequests().slice(before) };
    };

    describe("default function calling", () => {
      test("the task model's pick is called, cited, and its result is the reply's context", async () => {
        const calls = weatherCalls().length;
        const { message, events, requests } = await ask({ tool_ids: ["server:0"] });

        const task = requests.find((r) => isTask(r.body))!;
        expect(task.body.stream).toBe(false);
        expect(task.body.messages[0].content).toContain('"name":"get_weather"');
        expect(task.body.messages[1].content).toContain('USER: """How warm is it in Paris?"""');

        const call = weatherCalls().slice(calls);
        expect(call).toHaveLength(1);
        expect(call[0]).toMatchObject({ method: "GET", path: "/weather/Paris", query: { units: "f" } });
        expect(call[0]!.headers.authorization).toBe("Bearer tool-key");

        const result = JSON.stringify({ city: "Paris", temperature: 21, units: "f" }, null, 2);
        const source = {
          source: { name: "server:0/get_weather" },
          document: [result],
          metadata: [{ source: "server:0/get_weather", parameters: { city: "Paris", units: "f" } }],
          tool_result: true,
        };
        expect(message.sources).toEqual([source]);
        expect(events.find((e) => e.type === "chat:completion" && e.data.sources)!.data).toEqual({ sources: [source] });

        const answer = requests.find((r) => !isTask(r.body))!;
        expect(answer.body.tools).toBeUndefined();
        const prompt = answer.body.messages.at(-1).content as string;
        expect(prompt).toContain(`<source id="1" name="server:0/get_weather">${result}</source>`);
        expect(prompt).toContain("How warm is it in Paris?");
        expect(message.content).toBe("It is 21 degrees.");
      });

      test("without a socket the sources lead the streamed answer", async () => {
        const res = await w.t.request("POST", "/api/chat/completions", {
          token: w.user.token,
          body: { model: "gpt-fake", stream: true, messages: [{ role: "user", content: "Paris?" }], tool_ids: ["server:0"] },
        });
        const chunks = sseData(res.text);
        expect(chunks[0].sources[0].source.name).toBe("server:0/get_weather");
        expect(chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("")).toBe("It is 21 degrees.");
      });

      test("a tool that fails gives its error as the result", async () => {
        pick = '{"tool_calls": [{"name": "broken_tool", "parameters": {}}]}';
        try {
          const { message } = await ask({ tool_ids: ["server:0"] });
          expect(JSON.parse(message.sources[0].document[0])).toEqual({ error: "HTTP error 500: exploded" });
        } finally {
          pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris", "units": "f"}}]}';
        }
      });

      test("no pick, an unknown tool or an answer that is not JSON: the model answers without tools", async () => {
        for (const answer of ['{"tool_calls": []}', '{"tool_calls": [{"name": "nope", "parameters": {}}]}', "I would not call anything"]) {
          pick = answer;
          const calls = weatherCalls().length;
          const { message } = await ask({ tool_ids: ["server:0"] });
          expect(weatherCalls().length).toBe(calls);
          expect(message.sources ?? []).toEqual([]);
          expect(message.content).toBe("It is 21 degrees.");
        }
        pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris", "units": "f"}}]}';
      });

      test("a server the user may not use, or one that does not exist, is not offered", async () => {
        const calls = weatherCalls().length;
        const { message, requests } = await ask({ tool_ids: ["server:private", "server:7", "some_python_tool"] });
        expect(requests.some((r) => isTask(r.body))).toBe(false);
        expect(weatherCalls().length).toBe(calls);
        expect(message.content).toBe("It is 21 degrees.");
      });
    });

    describe("native function calling", () => {
      const native = { tool_ids: ["server:0"], params: { function_calling: "native" } };

      test("the streamed tool call is run, shown as a tool-call block, and the model answers with its result", async () => {
        const calls = weatherCalls().length;
        const { message, events, requests } = await ask(native);
        expect(requests.some((r) => isTask(r.body))).toBe(false);
        expect(requests).toHaveLength(2);

        const [first, second] = requests;
        expect(first!.body.tools.map((t: any) => t.function.name)).toEqual(["get_weather", "add_note", "broken_tool"]);
        expect(first!.body.tools[0]).toEqual({
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather in a city",
            parameters: {
              type: "object",
              properties: {
                city: { type: "string", description: "City name" },
                units: { type: "string", description: "Units. Possible values: c, f" },
              },
              required: ["city"],
            },
          },
        });
        expect(first!.body.params).toBeUndefined();

        expect(weatherCalls().slice(calls)).toMatchObject([{ path: "/weather/Paris", query: {} }]);
        const result = JSON.stringify({ city: "Paris", temperature: 21, units: "c" }, null, 2);
        expect(second!.body.stream).toBe(true);
        expect(second!.body.tools).toEqual(first!.body.tools);
        expect(second!.body.messages.slice(-3)).toEqual([
          { role: "user", content: "How warm is it in Paris?" },
          {
            role: "assistant",
            content: "",
            tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }],
          },
          { role: "tool", tool_call_id: "call_1", content: result },
        ]);

        const escaped = (text: string) =>
          text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#x27;");
        const block =
          `<details type="tool_calls" done="true" id="call_1" name="get_weather" arguments="${escaped(JSON.stringify('{"city": "Paris"}'))}" ` +
          `result="${escaped(JSON.stringify(result))}" files="" embeds="&quot;&quot;">\n<summary>Tool Executed</summary>\n</details>`;
        expect(message.content).toBe(`${block}\nIt is 21 degrees.`);
        // The frontend sees the same text as the one saved, after seeing the call executing.
        expect(renderedContent(events)).toBe(message.content);
        const shown = events.filter((e) => e.type === "chat:completion" && typeof e.data.content === "string").map((e) => e.data.content).filter(Boolean);
        expect(shown[0]).toBe(
          `<details type="tool_calls" done="false" id="call_1" name="get_weather" arguments="${escaped(JSON.stringify('{"city": "Paris"}'))}">\n<summary>Executing...</summary>\n</details>`,
        );
        const done = events.find((e) => e.data?.done === true)!;
        expect(done.data.content).toBe(message.content);
      });

      test("several calls in one answer, text before them, and a call to an unknown tool", async () => {
        nativeCalls = [
          { id: "call_a", name: "add_note", arguments: '{"title": "Trip", "body": "Pack a coat", "extra": true}' },
          { id: "call_b", name: "not_a_tool", arguments: "" },
        ];
        w.openai.options.reply = (body) => (isTask(body) ? [pick] : body.tools && !hasToolResults(body) ? ["Let me note that."] : undefined);
        try {
          const notes = server.requests.filter((r) => r.path === "/notes").length;
          const { message, requests } = await ask(native);
          const posted = server.requests.filter((r) => r.path === "/notes").slice(notes);
          expect(posted).toMatchObject([{ method: "POST", body: { title: "Trip", body: "Pack a coat" } }]);
          const followUp = requests.at(-1)!.body.messages.slice(-3);
          expect(followUp[0]).toMatchObject({ role: "assistant", content: "Let me note that." });
          expect(followUp[0].tool_calls.map((c: any) => c.function.arguments)).toEqual(['{"title": "Trip", "body": "Pack a coat", "extra": true}', "{}"]);
          expect(followUp[1]).toEqual({ role: "tool", tool_call_id: "call_a", content: JSON.stringify({ id: 1, saved: { title: "Trip", body: "Pack a coat" } }, null, 2) });
          expect(followUp[2]).toEqual({ role: "tool", tool_call_id: "call_b", content: "" });
          expect(message.content.startsWith('Let me note that.\n<details type="tool_calls" done="true" id="call_a" name="add_note"')).toBe(true);
          expect(message.content).toContain('<details type="tool_calls" done="true" id="call_b" name="not_a_tool" arguments="&quot;{}&quot;" result="&quot;&quot;"');
          expect(message.content.endsWith("</details>\nIt is 21 degrees.")).toBe(true);
        } finally {
          nativeCalls = [{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }];
          w.openai.options.reply = (body) => (isTask(body) ? [pick] : body.tools && !hasToolResults(body) ? [] : undefined);
        }
      });

      test("without a socket the tools go upstream and the tool calls come back untouched", async () => {
        const calls = weatherCalls().length;
        const res = await w.t.request("POST", "/api/chat/completions", {
          token: w.user.token,
          body: { model: "gpt-fake", stream: true, messages: [{ role: "user", content: "Paris?" }], ...native },
        });
        const deltas = sseData(res.text).map((c) => c.choices?.[0]?.delta ?? {});
        expect(deltas.some((d) => d.tool_calls?.[0]?.function?.name === "get_weather")).toBe(true);
        expect(weatherCalls().length).toBe(calls);
        expect(chatRequests().at(-1)!.body.tools).toHaveLength(3);
      });
    });
  });
}
