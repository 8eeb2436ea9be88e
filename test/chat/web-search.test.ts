// features.web_search in a chat: the task model writes the queries, a SearXNG-compatible engine
// (a fake on loopback) finds a page, the page is loaded and cited, and each stage reaches the
// user as a status event saved on the message. A failing engine is reported, and the reply still
// comes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { dialects } from "../support/databases";
import { startFakeSearch, type FakeSearch } from "../fakes/search";
import { publishModel, startWorld, type World } from "../fakes/world";
import { memoryRuntime } from "./memory-runtime";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let rt: ReturnType<typeof memoryRuntime>;
    let search: FakeSearch;
    let turn = 0;
    beforeAll(async () => {
      search = startFakeSearch();
      w = await startWorld(dialect, {
        openai: {
          models: [{ id: "gpt-fake" }],
          tokens: ["In", " March."],
          reply: (body) => (JSON.stringify(body.messages).includes("search queries") ? ['{"queries": ["zorblax festival date"]}'] : undefined),
        },
        env: {
          ENABLE_WEB_SEARCH: "true",
          WEB_SEARCH_ENGINE: "searxng",
          SEARXNG_QUERY_URL: `${search.url}/search?q=<query>`,
          ENABLE_RAG_LOCAL_WEB_FETCH: "true",
        },
      });
      rt = memoryRuntime();
      provideChatRuntime(w.t.ctx, rt);
      await publishModel(w, "gpt-fake");
    }, 30_000);
    afterAll(async () => {
      await w.close();
      search.stop();
    }, 30_000);

    const ask = async () => {
      turn++;
      const chatId = `chat-${turn}`;
      const messageId = `a${turn}`;
      rt.chats.add(chatId, w.user.id, [
        { id: `u${turn}`, parentId: null, childrenIds: [messageId], role: "user", content: "When is the Zorblax festival?" },
        { id: messageId, parentId: `u${turn}`, childrenIds: [], role: "assistant", content: "", model: "gpt-fake" },
      ]);
      const res = await w.t.request("POST", "/api/chat/completions", {
        token: w.user.token,
        body: {
          model: "gpt-fake",
          stream: true,
          messages: [{ role: "user", content: "When is the Zorblax festival?" }],
          features: { web_search: true },
          session_id: "sid-1",
          chat_id: chatId,
          id: messageId,
        },
      });
      expect(res.status).toBe(200);
      await rt.emit.waitFor((e) => e.payload.message_id === messageId && e.payload.data?.type === "chat:completion" && e.payload.data.data?.done === true);
      const message = rt.chats.chats.get(chatId)!.history.messages[messageId]!;
      const statuses = rt.emit.of(messageId).filter((e) => e.type === "status").map((e) => e.data);
      return { message, statuses };
    };
    const lastChatRequest = () => w.openai.requests.filter((r) => r.path === "/v1/chat/completions" && r.body.stream).at(-1)!;

    test("the generated queries are searched, the page is loaded, cited and the statuses saved", async () => {
      const { message, statuses } = await ask();
      expect(search.queries.at(-1)).toBe("zorblax festival date");
      expect(statuses.slice(0, 3)).toEqual([
        { action: "web_search", description: "Searching the web", done: false },
        { action: "web_search_queries_generated", queries: ["zorblax festival date"], done: false },
        {
          action: "web_search",
          description: "Searched {{count}} sites",
          urls: [`${search.url}/page`],
          items: [{ link: `${search.url}/page`, title: "Zorblax festival", snippet: "Every March." }],
          done: true,
        },
      ]);
      const prompt = lastChatRequest().body.messages.at(-1).content as string;
      expect(prompt).toContain("The Zorblax festival happens every March in Quimper.");
      expect(prompt).toContain("When is the Zorblax festival?");
      expect(message.content).toBe("In March.");
      expect(message.sources[0].source).toMatchObject({ type: "web_search", name: "zorblax festival date" });
      expect(message.sources[0].document.join(" ")).toContain("every March in Quimper");
      expect(message.statusHistory.map((s: any) => s.action)).toContain("web_search_queries_generated");
    });

    test("an engine that fails is reported and the model answers without it", async () => {
      search.failing = true;
      try {
        const { message, statuses } = await ask();
        expect(statuses).toContainEqual({ action: "web_search", description: "An error occurred while searching the web", queries: ["zorblax festival date"], done: true, error: true });
        expect(message.content).toBe("In March.");
        expect(message.sources ?? []).toEqual([]);
      } finally {
        search.failing = false;
      }
    });
  });
}
