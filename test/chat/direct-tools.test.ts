// The user's own tool servers (Settings → External Tools), on both databases: the browser sends
// their specs as `tool_servers`, the server offers them to the model and, when the model calls
// one, asks the browser session to run it (`execute:tool`). The browser is a socket.io client
// doing what the frontend's root layout does: call the tool server and acknowledge
// `[data, headers]`. Without the permission features.direct_tool_servers (here granted through a
// group) nothing is offered.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "socket.io-client";
import { provideChatRuntime } from "../../src/chat/ports";
import { openapiToToolSpecs } from "../../src/tools/openapi";
import { createTestDatabase, dialects, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { startFakeToolServer, type FakeToolServer } from "../fakes/tool-server";
import { connect, join, next, startInstance, type Instance } from "../realtime/helpers";
import { MemoryChats } from "./memory-runtime";

const PICK_PROMPT = "You can call the tools";
const isTask = (body: any) => JSON.stringify(body.messages ?? []).includes(PICK_PROMPT);
const hasToolResults = (body: any) => (body.messages ?? []).some((m: any) => m.role === "tool");

/** What the frontend's executeToolServer does with the spec it holds: find the route, call it. */
async function runLikeTheBrowser(server: any, name: string, params: Record<string, any>): Promise<unknown> {
  for (const [path, methods] of Object.entries<any>(server.openapi.paths)) {
    for (const [method, operation] of Object.entries<any>(methods)) {
      if (operation.operationId !== name) continue;
      let url = `${server.url}${path}`;
      const query = new URLSearchParams();
      for (const param of operation.parameters ?? []) {
        if (!(param.name in params)) continue;
        if (param.in === "path") url = url.replace(`{${param.name}}`, encodeURIComponent(params[param.name]));
        else if (param.in === "query") query.append(param.name, String(params[param.name]));
      }
      if ([...query].length) url += `?${query}`;
      const res = await fetch(url, {
        method: method.toUpperCase(),
        headers: { "content-type": "application/json", authorization: "Bearer my-own-key" },
        body: ["post", "put", "patch"].includes(method) && operation.requestBody ? JSON.stringify(params) : undefined,
      });
      if (!res.ok) return [{ error: `HTTP error! Status: ${res.status}. Message: ${await res.text()}` }, null];
      const text = await res.text();
      let data: unknown = text;
      try {
        data = JSON.parse(text);
      } catch {}
      return [data, Object.fromEntries(res.headers)];
    }
  }
  return [{ error: `No matching route found for operationId: ${name}` }, null];
}

function actAsBrowser(socket: Socket, calls: any[]) {
  socket.on("chat-events", async (event: any, ack?: (answer: unknown) => void) => {
    if (event.data?.type !== "execute:tool" || !ack) return;
    calls.push(event);
    ack(await runLikeTheBrowser(event.data.data.server, event.data.data.name, event.data.data.params));
  });
}

for (const dialect of dialects) {
  describe(dialect, () => {
    let database: TestDatabase;
    let upstream: FakeOpenAI;
    let tools: FakeToolServer;
    let server: Instance;
    const chats = new MemoryChats();
    const sockets: Socket[] = [];
    let ann: { id: string; token: string };
    let bob: { id: string; token: string };
    let admin: { id: string; token: string };
    let turn = 0;
    let pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris", "units": "f", "made_up": 1}}]}';
    const nativeCalls = [{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }];

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      tools = startFakeToolServer();
      upstream = startFakeOpenAI({
        models: [{ id: "gpt-fake" }],
        tokens: ["It is", " 21 degrees."],
        reply: (body) => (isTask(body) ? [pick] : body.tools && !hasToolResults(body) ? [] : undefined),
        toolCalls: (body) => (body.tools && !hasToolResults(body) ? nativeCalls : undefined),
      });
      server = await startInstance(database, {
        OPENAI_API_BASE_URLS: upstream.url,
        OPENAI_API_KEYS: "k",
        ENABLE_OLLAMA_API: "false",
        BYPASS_MODEL_ACCESS_CONTROL: "true",
      });
      provideChatRuntime(server.ctx, { chats });
      const account = async (role: string, name: string) => {
        const row = await insertUser(server.ctx, { role, name });
        return { id: row.id, token: server.tokenFor(row.id) };
      };
      admin = await account("admin", "Admin");
      ann = await account("user", "Ann");
      bob = await account("user", "Bob");
      // Ann may use her own tool servers through a group; Bob has only the defaults (not allowed).
      const api = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        }).then((res) => res.json() as Promise<any>);
      const group = await api("/api/v1/groups/create", { name: "Tinkerers", description: "" });
      await api(`/api/v1/groups/id/${group.id}/update`, {
        name: "Tinkerers",
        description: "",
        permissions: { features: { direct_tool_servers: true } },
        user_ids: [ann.id],
      });
    }, 30_000);
    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      await server.stop(100);
      await upstream.stop();
      await tools.stop();
      await database.drop();
    }, 30_000);

    /** The entry the frontend sends for one of the user's servers (getToolServersData). */
    const ownServer = () => ({ url: tools.url, openapi: tools.spec, info: tools.spec.info, specs: openapiToToolSpecs(tools.spec) });
    const chatRequests = () => upstream.requests.filter((r) => r.path.endsWith("/chat/completions"));

    const browser = async (account: { token: string }, calls: any[]) => {
      const socket = await connect(server.url, account.token);
      await join(socket, account.token);
      sockets.push(socket);
      actAsBrowser(socket, calls);
      return socket;
    };

    const ask = async (account: { id: string; token: string }, tab: Socket, extra: Record<string, unknown>) => {
      turn++;
      const chatId = `chat-${turn}`;
      const messageId = `a${turn}`;
      chats.add(chatId, account.id, [
        { id: `u${turn}`, parentId: null, childrenIds: [messageId], role: "user", content: "How warm is it in Paris?" },
        { id: messageId, parentId: `u${turn}`, childrenIds: [], role: "assistant", content: "", model: "gpt-fake" },
      ]);
      const before = chatRequests().length;
      const done = next(tab, "chat-events", (e: any) => e.message_id === messageId && e.data?.type === "chat:completion" && e.data.data?.done === true, 15_000);
      const res = await fetch(`${server.url}/api/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${account.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gpt-fake",
          stream: true,
          messages: [{ role: "user", content: "How warm is it in Paris?" }],
          session_id: tab.id,
          chat_id: chatId,
          id: messageId,
          tool_servers: [ownServer()],
          ...extra,
        }),
      });
      expect(res.status).toBe(200);
      await done;
      const message = chats.chats.get(chatId)!.history.messages[messageId]!;
      return { chatId, message, requests: chatRequests().slice(before) };
    };

    test("default function calling: the browser runs the pick, and its result is cited and the reply's context", async () => {
      const calls: any[] = [];
      const tab = await browser(ann, calls);
      const { chatId, message, requests } = await ask(ann, tab, {});

      const task = requests.find((r) => isTask(r.body))!;
      expect(task.body.messages[0].content).toContain('"name":"get_weather"');
      expect(calls).toHaveLength(1);
      const asked = calls[0];
      expect(asked.chat_id).toBe(chatId);
      expect(asked.message_id).toBe(message.id);
      expect(asked.data.data).toMatchObject({ name: "get_weather", params: { city: "Paris", units: "f" }, session_id: tab.id });
      expect(asked.data.data.id).toBeString();
      expect(asked.data.data.server).toEqual({ url: tools.url, openapi: tools.spec, info: tools.spec.info });

      const result = JSON.stringify({ city: "Paris", temperature: 21, units: "f" }, null, 2);
      expect(message.sources).toEqual([
        {
          source: { name: "get_weather" },
          document: [result],
          metadata: [{ source: "get_weather", parameters: { city: "Paris", units: "f" } }],
          tool_result: true,
        },
      ]);
      const answer = requests.find((r) => !isTask(r.body))!;
      expect(answer.body.tools).toBeUndefined();
      expect(answer.body.messages.at(-1).content).toContain(`<source id="1" name="get_weather">${result}</source>`);
      expect(message.content).toBe("It is 21 degrees.");
    });

    test("native function calling: the tools go upstream, the browser runs the call, the model answers with its result", async () => {
      const calls: any[] = [];
      const tab = await browser(ann, calls);
      const { message, requests } = await ask(ann, tab, { params: { function_calling: "native" } });

      expect(requests[0]!.body.tools.map((t: any) => t.function.name)).toEqual(["get_weather", "add_note", "broken_tool"]);
      expect(calls).toHaveLength(1);
      expect(calls[0].data.data).toMatchObject({ name: "get_weather", params: { city: "Paris" } });
      const second = requests[1]!.body;
      const toolMessage = second.messages.find((m: any) => m.role === "tool");
      expect(toolMessage).toMatchObject({ tool_call_id: "call_1" });
      expect(JSON.parse(toolMessage.content)).toEqual({ city: "Paris", temperature: 21, units: "c" });
      expect(message.content).toContain('<details type="tool_calls" done="true" id="call_1" name="get_weather"');
      expect(message.content).toEndWith("It is 21 degrees.");
    });

    test("a call the browser cannot run gives the model its error", async () => {
      const calls: any[] = [];
      const tab = await browser(ann, calls);
      pick = '{"tool_calls": [{"name": "broken_tool", "parameters": {}}]}';
      try {
        const { message } = await ask(ann, tab, {});
        expect(calls).toHaveLength(1);
        expect(message.sources[0].document[0]).toContain("HTTP error! Status: 500. Message: exploded");
      } finally {
        pick = '{"tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris", "units": "f", "made_up": 1}}]}';
      }
    });

    test("without the permission, or with another user's session, the servers are not offered", async () => {
      const bobCalls: any[] = [];
      const bobTab = await browser(bob, bobCalls);
      const refused = await ask(bob, bobTab, { params: { function_calling: "native" } });
      expect(refused.requests).toHaveLength(1);
      expect(refused.requests[0]!.body.tools).toBeUndefined();
      expect(bobCalls).toHaveLength(0);

      // Ann names Bob's session: Bob's browser is never asked to run anything for her.
      const annTab = await browser(ann, []);
      turn++;
      chats.add(`chat-${turn}`, ann.id, [{ id: `a${turn}`, role: "assistant", content: "" }]);
      const done = next(annTab, "chat-events", (e: any) => e.message_id === `a${turn}` && e.data?.data?.done === true, 15_000);
      await fetch(`${server.url}/api/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${ann.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "gpt-fake",
          stream: true,
          messages: [{ role: "user", content: "How warm is it in Paris?" }],
          session_id: bobTab.id,
          chat_id: `chat-${turn}`,
          id: `a${turn}`,
          tool_servers: [ownServer()],
        }),
      });
      await done.catch(() => {});
      expect(bobCalls).toHaveLength(0);
    });
  });
}
