// The user's own tool server in the real frontend: added under Settings → External Tools (a fake
// on loopback that answers browsers' CORS requests), switched on in the message's integrations
// menu; the model (native function calling) calls it, the browser runs the call when the server
// asks, and the frontend shows the executed call with its result, then the model's answer.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { startFakeToolServer, type FakeToolServer } from "../fakes/tool-server";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage, openSettings } from "./support";

const hasToolResults = (body: any) => (body.messages ?? []).some((m: any) => m.role === "tool");

describe.skipIf(!e2eEnabled)("the user's own tool server in the real frontend", () => {
  let upstream: FakeOpenAI;
  let tools: FakeToolServer;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    tools = startFakeToolServer({ cors: true });
    upstream = startFakeOpenAI({
      models: [{ id: "fake-gpt" }],
      tokens: ["Paris", " is", " at", " 21", " degrees."],
      reply: (body) => (body.tools && !hasToolResults(body) ? [] : undefined),
      toolCalls: (body) => (body.tools && !hasToolResults(body) ? [{ id: "call_1", name: "get_weather", arguments: '{"city": "Paris"}' }] : undefined),
    });
    server = await startExecutable({
      OPENAI_API_BASE_URLS: upstream.url,
      OPENAI_API_KEYS: "sk-e2e",
      ENABLE_OLLAMA_API: "false",
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

  test("the model calls the user's tool server through the browser, and the result is shown", async () => {
    const { page } = session;
    await step(page, "direct-tools-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
      const token = await page.evaluate(() => localStorage.token);
      const created = await fetch(`${server.url}/api/v1/models/create`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ id: "weather-gpt", base_model_id: "fake-gpt", name: "Weather GPT", meta: {}, params: { function_calling: "native" }, access_control: null }),
      });
      expect(created.status).toBe(200);
    });
    await step(page, "direct-tools-02-external-tools", async () => {
      await openSettings(page, "External Tools");
      await page.getByRole("button", { name: "Add Connection" }).click();
      await page.getByPlaceholder("API Base URL").fill(tools.url);
      await page.getByRole("dialog").last().getByRole("button", { name: "Save" }).click();
      await page.waitForFunction(`document.querySelectorAll('[role="dialog"]').length === 1`);
      // The frontend fetched the spec itself once the server was added.
      await Bun.sleep(500);
      expect(tools.requests.some((r) => r.path === "/openapi.json" && r.headers.origin === server.url)).toBe(true);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await page.reload();
      await page.getByText("Weather GPT").first().waitFor({ timeout: 10_000 });
    });
    await step(page, "direct-tools-03-switch-on", async () => {
      await page.locator("#integration-menu-button").click();
      await page.getByRole("button", { name: /^Tools/ }).click();
      await page.getByRole("button", { name: /Weather Tools/ }).click();
      await page.keyboard.press("Escape");
      await page.locator("#integration-menu-button").waitFor();
      await Bun.sleep(300);
    });
    await step(page, "direct-tools-04-ask", async () => {
      await sendMessage(page, "How warm is it in Paris?");
      await page.getByText("Paris is at 21 degrees.").waitFor({ timeout: 20_000 });
      await page.getByText("View Result from get_weather").first().waitFor();
      const calls = tools.requests.filter((r) => r.path === "/weather/Paris");
      expect(calls).toHaveLength(1);
      // The browser called it, not the server.
      expect(calls[0]!.headers.origin).toBe(server.url);
      const offered = upstream.requests.find((r) => r.path === "/v1/chat/completions" && r.body?.tools)!;
      expect(offered.body.tools.map((t: any) => t.function.name)).toEqual(["get_weather", "add_note", "broken_tool"]);
      await page.getByText("View Result from get_weather").first().click();
      await page.getByText(/"temperature": 21/).first().waitFor();
    });
    expect(session.problems.filter((p) => !p.includes("/api/v1/users/user/settings"))).toEqual([]);
  }, 150_000);
});
