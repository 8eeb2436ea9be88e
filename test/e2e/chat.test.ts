// The chat journey in the real frontend: the admin picks a model of an OpenAI-compatible
// connection (a fake upstream), sends a message, sees the reasoning block and the streamed reply,
// gets a generated title, reloads and finds the chat saved, tags it and finds it by that tag in
// the search dialog; then stops a long reply.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage } from "./support";

// The browser's chat needs the socket layer and the chats repository; until both are part of
// this build the journey cannot run.
const root = join(import.meta.dir, "..", "..");
const wired = existsSync(join(root, "src", "realtime")) && existsSync(join(root, "src", "chats", "repository.ts"));

describe.skipIf(!e2eEnabled || !wired)("chatting in the real frontend", () => {
  let upstream: FakeOpenAI;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    upstream = startFakeOpenAI({ models: [{ id: "fake-gpt" }], chunkDelayMs: 20 });
    server = await startExecutable({ OPENAI_API_BASE_URLS: upstream.url, OPENAI_API_KEYS: "sk-e2e", ENABLE_OLLAMA_API: "false" });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await upstream?.stop();
  });

  test("send a message, watch it stream with its reasoning, find it saved with a title, tag and find it, stop a reply", async () => {
    const { page } = session;
    await step(page, "chat-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });
    upstream.options.reasoning = ["The user", " greets me.\nI should answer."];
    upstream.options.tokens = ["Hello", " Ada", ", nice", " to", " meet", " you!"];
    await step(page, "chat-02-send", async () => {
      await page.getByText("fake-gpt").first().waitFor({ timeout: 10_000 });
      await sendMessage(page, "Hi there");
      await page.getByText("Hello Ada, nice to meet you!").waitFor({ timeout: 15_000 });
      await page.getByText(/Thought for/).first().waitFor();
    });
    // Title generation asks the same fake: it answers with text that is not JSON, so the
    // first message becomes the title.
    await step(page, "chat-03-title-and-reload", async () => {
      await page.waitForURL(/\/c\//);
      const chatId = new URL(page.url()).pathname.split("/").at(-1);
      const token = await page.evaluate(() => localStorage.token);
      let title = "";
      for (let i = 0; i < 50 && title !== "Hi there"; i++) {
        const chat = await fetch(`${server.url}/api/v1/chats/${chatId}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
        title = chat.title;
        if (title !== "Hi there") await Bun.sleep(100);
      }
      expect(title).toBe("Hi there");
      await page.reload();
      await page.getByText("Hello Ada, nice to meet you!").waitFor({ timeout: 15_000 });
      await page.getByText(/Thought for/).first().waitFor();
    });
    await step(page, "chat-04-tag-and-search", async () => {
      const chatId = new URL(page.url()).pathname.split("/").at(-1);
      const token = await page.evaluate(() => localStorage.token);
      const tags = async () =>
        (await fetch(`${server.url}/api/v1/chats/${chatId}/tags`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())) as { id: string }[];
      await page.locator("#chat-context-menu-button").click();
      await page.getByRole("button", { name: "Add Tag" }).last().click();
      await page.getByPlaceholder("Add a tag").fill("Greetings");
      await page.getByPlaceholder("Add a tag").press("Enter");
      for (let i = 0; i < 50 && (await tags()).length === 0; i++) await Bun.sleep(100);
      expect((await tags()).map((t) => t.id)).toEqual(["greetings"]);
      await page.keyboard.press("Escape");
      await page.getByRole("menu").waitFor({ state: "hidden" });
      await page.locator('button[aria-label="Search"]:visible').first().click();
      const input = page.getByRole("dialog").getByPlaceholder("Search");
      await input.fill("tag:greetings");
      await page.getByRole("dialog").getByText("Hi there").first().waitFor();
      await input.fill("tag:nothing-like-this");
      await page.getByRole("dialog").getByText("Hi there").first().waitFor({ state: "detached" });
      await page.keyboard.press("Escape");
    });
    await step(page, "chat-05-stop", async () => {
      upstream.options.reasoning = undefined;
      upstream.options.tokens = Array.from({ length: 400 }, (_, i) => `word${i} `);
      upstream.options.chunkDelayMs = 25;
      await sendMessage(page, "Tell me a long story");
      await page.getByText("word5 word6").waitFor({ timeout: 15_000 });
      await page.locator("#chat-input").click();
      await page.keyboard.press("Escape");
      await Bun.sleep(300);
      const shown = await page.locator("#response-content-container").last().innerText();
      await Bun.sleep(1_500);
      expect(await page.locator("#response-content-container").last().innerText()).toBe(shown);
      expect(shown).toContain("word5");
      expect(shown).not.toContain("word399");
      const chatId = new URL(page.url()).pathname.split("/").at(-1);
      const token = await page.evaluate(() => localStorage.token);
      const chat = await fetch(`${server.url}/api/v1/chats/${chatId}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
      const stored = chat.chat.history.messages[chat.chat.history.currentId].content as string;
      expect(stored.startsWith("word0 word1")).toBe(true);
      expect(stored).not.toContain("word399");
    });
    expect(session.problems).toEqual([]);
  }, 120_000);
});
