// Tool servers in the real frontend: the admin's OpenAPI tool server (a fake on loopback) is a
// default tool of a workspace model with native function calling; a message makes the model call
// it, the frontend shows the executed call ("View Result from get_weather") with its arguments
// and result, then the model's answer; after a reload the chat still shows both.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { startFakeToolServer, type FakeToolServer } from "../fakes/tool-server";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage } from "./support";

const hasToolResults = (body: any) => (body.messages ?? []).some((m: any) => m.role === "tool");

describe.skipIf(!e2eEnabled)("tool servers in the real frontend", () => {
  let upstream: FakeOpenAI;
  let tools: FakeToolServer;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    tools = startFakeToolServer();
    upstream = startFakeOpenAI({
      models: [{ id: "fake-gpt" }],
      tokens: ["Paris", " is", " at", " 21", " degrees."],
      reply: (body) => (body.tools && !hasToolResults(body) ? [] : undefined),
      toolCalls: (body) => (body.tools && !hasToolResults(body) ? [{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }] : undefined),
    });
    const connections = [{ url: tools.url, path: "openapi.json", type: "openapi", auth_type: "none", key: "", config: { enable: true, access_control: null }, info: {} }];
    server = await startExecutable({
      OPENAI_API_BASE_URLS: upstream.url,
      OPENAI_API_KEYS: "sk-e2e",
      ENABLE_OLLAMA_API: "false",
      TOOL_SERVER_CONNECTIONS: JSON.stringify(connections),
      DEFAULT_MODELS: "weather-gpt",
    });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await upstream?.stop();
    await tools?.stop();
  });

  test("the model calls the tool server, the call and its result are shown, then the answer", async () => {
    const { page } = session;
    await step(page, "tools-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });
    await step(page, "tools-02-model-with-tool", async () => {
      const token = await page.evaluate(() => localStorage.token);
      const listed = await fetch(`${server.url}/api/v1/tools/`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any[]>);
      expect(listed.map((t) => [t.id, t.name])).toEqual([["server:0", "Weather Tools"]]);
      const created = await fetch(`${server.url}/api/v1/models/create`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          id: "weather-gpt",
          base_model_id: "fake-gpt",
          name: "Weather GPT",
          meta: { toolIds: ["server:0"] },
          params: { function_calling: "native" },
          access_control: null,
        }),
      });
      expect(created.status).toBe(200);
      await page.reload();
      await page.getByText("Weather GPT").first().waitFor({ timeout: 10_000 });
    });
    await step(page, "tools-03-ask", async () => {
      await sendMessage(page, "How warm is it in Paris?");
      await page.getByText("Paris is at 21 degrees.").waitFor({ timeout: 15_000 });
      await page.getByText("View Result from get_weather").first().waitFor();
      expect(tools.requests.filter((r) => r.path === "/weather/Paris")).toHaveLength(1);
    });
    await step(page, "tools-04-result-and-reload", async () => {
      await page.getByText("View Result from get_weather").first().click();
      await page.getByText(/"temperature": 21/).first().waitFor();
      await page.waitForURL(/\/c\//);
      await page.reload();
      await page.getByText("Paris is at 21 degrees.").waitFor({ timeout: 15_000 });
      await page.getByText("View Result from get_weather").first().waitFor();
    });
    expect(session.problems.filter((p) => !p.includes("/api/v1/users/user/settings"))).toEqual([]);
  }, 120_000);
});
