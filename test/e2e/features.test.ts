// Chat features in the real frontend: a memory added under Settings → Personalization is recalled
// into the prompt, the Web Search switch searches (a SearXNG-compatible fake) and cites the page
// it found, and a direct connection added under Settings → Connections answers through the
// browser, from an endpoint the server never calls itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { startFakeSearch, type FakeSearch } from "../fakes/search";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage, openSettings } from "./support";

describe.skipIf(!e2eEnabled)("chat features in the real frontend", () => {
  let upstream: FakeOpenAI;
  let own: FakeOpenAI;
  let search: FakeSearch;
  let server: RunningServer;
  let session: BrowserSession;
  const lastChat = (fake: FakeOpenAI) => fake.requests.filter((r) => r.path === "/v1/chat/completions" && r.body?.stream).at(-1);

  beforeAll(async () => {
    search = startFakeSearch();
    upstream = startFakeOpenAI({
      models: [{ id: "fake-gpt" }],
      tokens: ["Noted", "."],
      reply: (body) => (JSON.stringify(body.messages).includes("search queries") ? ['{"queries": ["zorblax festival"]}'] : undefined),
    });
    own = startFakeOpenAI({ models: [{ id: "my-tiny" }], tokens: ["From", " my", " own", " endpoint"], cors: true });
    server = await startExecutable({
      OPENAI_API_BASE_URLS: upstream.url,
      OPENAI_API_KEYS: "sk-e2e",
      ENABLE_OLLAMA_API: "false",
      ENABLE_WEB_SEARCH: "true",
      WEB_SEARCH_ENGINE: "searxng",
      SEARXNG_QUERY_URL: `${search.url}/search?q=<query>`,
      ENABLE_RAG_LOCAL_WEB_FETCH: "true",
      ENABLE_DIRECT_CONNECTIONS: "true",
    });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await upstream?.stop();
    await own?.stop();
    search?.stop();
  });

  test("memory, web search and a direct connection", async () => {
    const { page } = session;
    await step(page, "features-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });
    await step(page, "features-02-memory", async () => {
      await openSettings(page, "Personalization");
      await page.getByRole("switch").first().click();
      await page.getByRole("button", { name: "Manage" }).click();
      await page.getByRole("button", { name: "Add Memory" }).click();
      await page.getByPlaceholder("Enter a detail about yourself for your LLMs to recall").fill("User's cat is called Pixel.");
      await page.getByRole("button", { name: "Add", exact: true }).click();
      await page.getByText("User's cat is called Pixel.").waitFor();
      await page.keyboard.press("Escape");
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      await sendMessage(page, "What is my cat called?");
      await page.getByText("Noted.").waitFor({ timeout: 15_000 });
      const system = lastChat(upstream)!.body.messages[0];
      expect(system.role).toBe("system");
      expect(system.content).toContain("User Context:\n1. [");
      expect(system.content).toContain("User's cat is called Pixel.");
    });
    await step(page, "features-03-web-search", async () => {
      await page.goto(`${server.url}/`);
      await page.locator("#integration-menu-button").click();
      await page.getByRole("button", { name: "Web Search" }).click();
      await page.keyboard.press("Escape");
      await page.locator("#integration-menu-button").waitFor();
      await Bun.sleep(300);
      await sendMessage(page, "When is the Zorblax festival?");
      await page.getByText("Noted.").waitFor({ timeout: 15_000 });
      expect(search.queries).toContain("zorblax festival");
      expect(lastChat(upstream)!.body.messages.at(-1).content).toContain("The Zorblax festival happens every March in Quimper.");
      // The status line shows the last stage; a click opens the whole history.
      await page.getByText("Retrieved 1 source").first().click();
      await page.getByText(/Searched 1 site/).first().waitFor();
      await page.getByText("1 Source", { exact: true }).first().click();
      await page.getByText(`${search.url}/page`).first().waitFor();
    });
    await step(page, "features-04-direct-connection", async () => {
      await page.goto(`${server.url}/`);
      await openSettings(page, "Connections");
      await page.getByText("Manage Direct Connections").locator("xpath=..").getByRole("button").click();
      await page.getByPlaceholder("API Base URL").fill(own.url);
      await page.getByPlaceholder("API Key").fill("sk-mine");
      await page.getByRole("dialog").last().getByRole("button", { name: "Save" }).click();
      // The connection's own dialog closes, leaving the settings.
      await page.waitForFunction(`document.querySelectorAll('[role="dialog"]').length === 1`);
      await page.getByRole("button", { name: "Save", exact: true }).last().click();
      await page.getByText("Settings saved successfully!").first().waitFor();
      if (await page.getByRole("dialog").count()) await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "detached" });
      // The selector's search index is built when it is first shown: reload to have the new models in it.
      await page.reload();
      await page.locator("#model-selector-0-button").click();
      await page.locator("#model-search-input").fill("my-tiny");
      await page.locator("#model-search-input").press("Enter");
      await page.locator("#model-search-input").waitFor({ state: "detached" });
      await Bun.sleep(300);
      await sendMessage(page, "Who answers?");
      await page.getByText("From my own endpoint").waitFor({ timeout: 15_000 });
      const asked = lastChat(own)!;
      expect(asked.headers.authorization).toBe("Bearer sk-mine");
      expect(asked.body.messages.at(-1).content).toBe("Who answers?");
      await page.waitForURL(/\/c\//);
      await page.reload();
      await page.getByText("From my own endpoint").waitFor({ timeout: 15_000 });
    });
    expect(session.problems).toEqual([]);
  }, 180_000);
});
