// features.code_interpreter on the browser's path: the user's message carries the instructions,
// the answer's <code_interpreter> block is run by the browser (`execute:python`, played here by a
// socket.io client doing what the frontend's root layout does with Pyodide), its output goes into
// the block, and the model is asked again with it; the continuation lands in the same message.
// With the jupyter engine the block runs on a real Jupyter server (test/support/jupyter-server.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "socket.io-client";
import { DEFAULT_CODE_INTERPRETER_PROMPT, withBlockedModules } from "../../src/chat/code-interpreter";
import { executeCodeJupyter } from "../../src/utils/jupyter";
import { provideChatRuntime } from "../../src/chat/ports";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import { jupyterAvailable, startJupyterServer, type JupyterServer } from "../support/jupyter-server";
import { PNG_BASE64, startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { connect, join, next, startInstance, type Instance } from "../realtime/helpers";
import { MemoryChats } from "./memory-runtime";

const CODE_TOKENS = ["Let me compute.\n\n", '<code_interpreter type="code" lang="python">\n', "print(6 * 7)\n", "</code_interpreter>", "never shown"];

/** What the frontend does on `execute:python`: run the code (here: a canned output) and acknowledge. */
function actAsBrowser(socket: Socket, outputs: (code: string) => unknown, asked: any[]) {
  socket.on("chat-events", (event: any, ack?: (answer: unknown) => void) => {
    if (event.data?.type !== "execute:python" || !ack) return;
    asked.push(event);
    ack(outputs(event.data.data.code));
  });
}

const lastAssistant = (body: any) => [...body.messages].reverse().find((m: any) => m.role === "assistant");

describe("code interpreter", () => {
  let database: TestDatabase;
  let upstream: FakeOpenAI;
  let server: Instance;
  const chats = new MemoryChats();
  const sockets: Socket[] = [];
  let ann: { id: string; token: string };

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    upstream = startFakeOpenAI({
      models: [{ id: "gpt-fake" }],
      // First the code, then, once the output is in the conversation, the answer about it.
      reply: (body) => (lastAssistant(body)?.content.includes("```output") ? ["The answer", " is 42."] : CODE_TOKENS),
    });
    server = await startInstance(database, {
      ENABLE_OLLAMA_API: "false",
      OPENAI_API_BASE_URLS: upstream.url,
      OPENAI_API_KEYS: "sk-test",
      CODE_INTERPRETER_BLOCKED_MODULES: "os, subprocess",
    });
    provideChatRuntime(server.ctx, { chats });
    const a = await insertUser(server.ctx, { role: "admin", name: "Ann" });
    ann = { id: a.id, token: server.tokenFor(a.id) };
  }, 30_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server.stop(100);
    await upstream.stop();
    await database.drop();
  }, 30_000);

  const browser = async (outputs: (code: string) => unknown, asked: any[]) => {
    const socket = await connect(server.url, ann.token);
    await join(socket, ann.token);
    sockets.push(socket);
    actAsBrowser(socket, outputs, asked);
    return socket;
  };
  const send = (body: Record<string, unknown>) =>
    fetch(`${server.url}/api/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ann.token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-fake", stream: true, messages: [{ role: "user", content: "What is 6 times 7?" }], ...body }),
    });
  const turn = (chatId: string) =>
    chats.add(chatId, ann.id, [
      { id: `${chatId}-u`, role: "user", content: "What is 6 times 7?" },
      { id: `${chatId}-a`, parentId: `${chatId}-u`, role: "assistant", content: "" },
    ]);

  test("the browser runs the code, the output is shown in the block and the model answers from it", async () => {
    const asked: any[] = [];
    const tab = await browser(() => ({ stdout: "42\n", stderr: "", result: "" }), asked);
    turn("c1");
    const before = upstream.requests.length;
    const done = next(tab, "chat-events", (e: any) => e.data?.type === "chat:completion" && e.data.data?.done === true, 15_000);
    const res = await send({ session_id: tab.id, chat_id: "c1", id: "c1-a", features: { code_interpreter: true } });
    expect(((await res.json()) as any).status).toBe(true);
    const final = (await done).data.data.content;

    const output = "{&quot;stdout&quot;: &quot;42\\n&quot;, &quot;stderr&quot;: &quot;&quot;, &quot;result&quot;: &quot;&quot;}";
    const expected = `Let me compute.\n<details type="code_interpreter" done="true" output="${output}">\n<summary>Analyzed</summary>\n\`\`\`python\nprint(6 * 7)\n\`\`\`\n</details>\nThe answer is 42.`;
    expect(final).toBe(expected);
    expect(chats.chats.get("c1")!.history.messages["c1-a"]!.content).toBe(expected);

    // The browser was asked in the shape the frontend expects, with the blocked modules' guard first.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ chat_id: "c1", message_id: "c1-a", data: { type: "execute:python", data: { session_id: tab.id } } });
    expect(asked[0].data.data.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(asked[0].data.data.code).toContain('_blocked_modules = {"os", "subprocess"}');
    expect(asked[0].data.data.code.endsWith("\nprint(6 * 7)")).toBe(true);

    const calls = upstream.requests.slice(before).filter((r) => r.path.endsWith("/chat/completions"));
    expect(calls).toHaveLength(2);
    // The instructions ride on the user's message.
    expect(calls[0]!.body.messages.at(-1)).toEqual({ role: "user", content: `What is 6 times 7?\n${DEFAULT_CODE_INTERPRETER_PROMPT}` });
    // The second call is the same conversation plus the answer so far, with the output.
    expect(calls[1]!.body.messages.slice(0, -1)).toEqual(calls[0]!.body.messages);
    expect(calls[1]!.body.messages.at(-1)).toEqual({
      role: "assistant",
      content: `Let me compute.\n<code_interpreter type="code" lang="python">\nprint(6 * 7)\n</code_interpreter>\n\`\`\`output\n${output}\n\`\`\``,
    });
  });

  test("an image printed by the code becomes a file of the user, linked in the output", async () => {
    const tab = await browser(() => ({ stdout: `chart:\ndata:image/png;base64,${PNG_BASE64}`, stderr: "", result: "" }), []);
    turn("c2");
    const done = next(tab, "chat-events", (e: any) => e.data?.type === "chat:completion" && e.data.data?.done === true, 15_000);
    await send({ session_id: tab.id, chat_id: "c2", id: "c2-a", features: { code_interpreter: true } });
    const final: string = (await done).data.data.content;
    const url = /!\[Output Image\]\((\/api\/v1\/files\/[0-9a-f-]+\/content)\)/.exec(final)?.[1];
    expect(url).toBeDefined();
    const file = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${ann.token}` } });
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array(Buffer.from(PNG_BASE64, "base64")));
  });

  const withJupyter = async (settings: Record<string, unknown>, run: () => Promise<void>) => {
    await server.ctx.config.set({ CODE_INTERPRETER_ENGINE: "jupyter", ...settings });
    try {
      await run();
    } finally {
      await server.ctx.config.set({ CODE_INTERPRETER_ENGINE: "pyodide" });
    }
  };

  test("the Jupyter engine reports an unreachable server in the block instead of asking the browser", async () => {
    await withJupyter({ CODE_INTERPRETER_JUPYTER_URL: "http://127.0.0.1:9" }, async () => {
      const asked: any[] = [];
      const tab = await browser(() => ({ stdout: "should not run" }), asked);
      turn("c3");
      const done = next(tab, "chat-events", (e: any) => e.data?.type === "chat:completion" && e.data.data?.done === true, 15_000);
      await send({ session_id: tab.id, chat_id: "c3", id: "c3-a", features: { code_interpreter: true } });
      const final: string = (await done).data.data.content;
      expect(asked).toEqual([]);
      expect(final).toContain("&quot;stderr&quot;: &quot;Error: ");
      expect(final).toContain('done="true"');
    });
  });

  describe.skipIf(!jupyterAvailable)("on Jupyter", () => {
    let jupyter: JupyterServer;
    beforeAll(async () => {
      jupyter = await startJupyterServer();
    }, 90_000);
    afterAll(async () => {
      await jupyter?.stop();
    }, 30_000);

    test("the block runs on Jupyter with the code interpreter's settings; the blocked modules stay blocked", async () => {
      const settings = { CODE_INTERPRETER_JUPYTER_URL: jupyter.url, CODE_INTERPRETER_JUPYTER_AUTH: "token", CODE_INTERPRETER_JUPYTER_AUTH_TOKEN: jupyter.token };
      await withJupyter(settings, async () => {
        const asked: any[] = [];
        const tab = await browser(() => ({ stdout: "should not run" }), asked);
        turn("c5");
        const before = upstream.requests.length;
        const done = next(tab, "chat-events", (e: any) => e.data?.type === "chat:completion" && e.data.data?.done === true, 30_000);
        await send({ session_id: tab.id, chat_id: "c5", id: "c5-a", features: { code_interpreter: true } });
        const final: string = (await done).data.data.content;
        expect(asked).toEqual([]);
        const output = "{&quot;stdout&quot;: &quot;42&quot;, &quot;stderr&quot;: &quot;&quot;, &quot;result&quot;: &quot;&quot;}";
        expect(final).toContain(`output="${output}"`);
        expect(final.endsWith("The answer is 42.")).toBe(true);
        const calls = upstream.requests.slice(before).filter((r) => r.path.endsWith("/chat/completions"));
        expect(calls).toHaveLength(2);
      });
      // The guard in front of the code refuses a blocked module on the kernel too.
      const blocked = await executeCodeJupyter({ url: jupyter.url, token: jupyter.token }, withBlockedModules("import os", ["os"]));
      expect(blocked.stderr).toContain("Direct import of module os is restricted.");
    }, 60_000);
  });

  test("without the feature the tag stays text and nothing runs", async () => {
    const asked: any[] = [];
    const tab = await browser(() => ({ stdout: "no" }), asked);
    turn("c4");
    const done = next(tab, "chat-events", (e: any) => e.data?.type === "chat:completion" && e.data.data?.done === true, 15_000);
    await send({ session_id: tab.id, chat_id: "c4", id: "c4-a" });
    const final: string = (await done).data.data.content;
    expect(asked).toEqual([]);
    expect(final).toBe(CODE_TOKENS.join(""));
  });
});
