// Models of two connections in the real frontend: an OpenAI-compatible upstream and an Ollama one
// (both fakes on loopback). The user sees the models of both in the selector, chats with the
// Ollama model (a streamed reply, a generated title), regenerates the reply and finds both
// versions after a reload, stops a long reply, then switches to the OpenAI model in a new chat.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startFakeOllama, type FakeOllama } from "../fakes/ollama";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage } from "./support";

const OLLAMA_MODEL = "llama-e2e:latest";
const OPENAI_MODEL = "fake-gpt";

/** The shown text of the last reply, sampled until it holds `final`; returns the distinct states seen. */
async function watchReply(page: Page, final: string, timeoutMs = 15_000): Promise<string[]> {
  const seen: string[] = [];
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const reply = page.locator("#response-content-container").last();
    const text = (await reply.count()) > 0 ? (await reply.innerText().catch(() => "")).trim() : "";
    if (text && seen.at(-1) !== text) seen.push(text);
    if (text.includes(final)) return seen;
    await Bun.sleep(20);
  }
  throw new Error(`the reply never showed "${final}"; saw ${JSON.stringify(seen.slice(-3))}`);
}

async function pickModel(page: Page, id: string) {
  await page.locator("#model-selector-0-button").click();
  await page.locator(`[data-value="${id}"]`).click();
  await page.locator(`[data-value="${id}"]`).waitFor({ state: "detached" });
  await page.locator("#model-selector-0-button").getByText(id).waitFor();
}

describe.skipIf(!e2eEnabled)("models of two connections in the real frontend", () => {
  let openai: FakeOpenAI;
  let ollama: FakeOllama;
  let server: RunningServer;
  let session: BrowserSession;
  let chatId = "";

  const api = async (path: string) => {
    const token = await session.page.evaluate(() => localStorage.token);
    return (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.json())) as any;
  };

  beforeAll(async () => {
    openai = startFakeOpenAI({ models: [{ id: OPENAI_MODEL }], tokens: ["Hi", " from", " the", " GPT", " side."], chunkDelayMs: 20 });
    ollama = startFakeOllama({
      models: [OLLAMA_MODEL],
      tokens: ["Ahoy", " from", " the", " llama", " pasture", ",", " friend", "."],
      chunkDelayMs: 40,
      // The title task asks for JSON; chats get the plain tokens.
      tokensFor: (body) => (JSON.stringify(body?.messages ?? []).includes('{\\"title\\"') ? ['{"title": "Llama Pasture Chat"}'] : undefined),
    });
    server = await startExecutable({
      OPENAI_API_BASE_URLS: openai.url,
      OPENAI_API_KEYS: "sk-e2e",
      ENABLE_OLLAMA_API: "true",
      OLLAMA_BASE_URLS: ollama.url,
    });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await ollama?.stop();
    await openai?.stop();
  });

  test("both connections' models, an Ollama chat with title, regenerate, stop, then the OpenAI model", async () => {
    const { page } = session;
    await step(page, "models-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });

    await step(page, "models-02-both-connections-listed", async () => {
      await page.locator("#model-selector-0-button").click();
      await page.locator(`[data-value="${OLLAMA_MODEL}"]`).waitFor();
      await page.locator(`[data-value="${OPENAI_MODEL}"]`).waitFor();
      await page.keyboard.press("Escape");
      const listed = (await api("/api/models")).data as any[];
      expect(listed.find((m) => m.id === OLLAMA_MODEL)?.owned_by).toBe("ollama");
      expect(listed.find((m) => m.id === OPENAI_MODEL)?.owned_by).toBe("openai");
    });

    await step(page, "models-03-ollama-chat-streams", async () => {
      await pickModel(page, OLLAMA_MODEL);
      await sendMessage(page, "Hello llama");
      const states = await watchReply(page, "Ahoy from the llama pasture, friend.");
      // Streamed: the reply grew in steps rather than appearing at once.
      expect(states.length).toBeGreaterThan(2);
      const chat = ollama.requests.find((r) => r.path === "/api/chat" && r.body?.stream === true);
      expect(chat?.body.model).toBe(OLLAMA_MODEL);
      expect(openai.requests.filter((r) => r.path.endsWith("/chat/completions"))).toEqual([]);
    });

    await step(page, "models-04-title", async () => {
      await page.waitForURL(/\/c\//);
      chatId = new URL(page.url()).pathname.split("/").at(-1) as string;
      let title = "";
      for (let i = 0; i < 100 && title !== "Llama Pasture Chat"; i++) {
        title = (await api(`/api/v1/chats/${chatId}`)).title;
        if (title !== "Llama Pasture Chat") await Bun.sleep(100);
      }
      expect(title).toBe("Llama Pasture Chat");
      for (let i = 0; i < 50 && !(await page.title()).includes("Llama Pasture Chat"); i++) await Bun.sleep(100);
      expect(await page.title()).toContain("Llama Pasture Chat");
    });

    await step(page, "models-05-regenerate", async () => {
      ollama.options.tokens = ["A", " second", " take", " from", " the", " llama", "."];
      const before = ollama.requests.length;
      // The regenerate button opens its menu (Try Again, Add Details, …) by default.
      await page.locator('[aria-label="Regenerate"]').last().click();
      await page.getByRole("menuitem").filter({ hasText: "Try Again" }).click();
      const states = await watchReply(page, "A second take from the llama.");
      expect(states.length).toBeGreaterThan(2);
      expect(ollama.requests.slice(before).some((r) => r.path === "/api/chat" && r.body?.stream === true)).toBe(true);
      await page.getByText("2/2").first().waitFor();
      const stored = async () => {
        const chat = (await api(`/api/v1/chats/${chatId}`)).chat;
        const messages = Object.values(chat.history.messages) as any[];
        return messages.filter((m) => m.role === "assistant").map((m) => m.content as string);
      };
      for (let i = 0; i < 50 && !(await stored()).includes("A second take from the llama."); i++) await Bun.sleep(100);
      expect((await stored()).sort()).toEqual(["A second take from the llama.", "Ahoy from the llama pasture, friend."]);
      await page.reload();
      await page.getByText("A second take from the llama.").waitFor({ timeout: 15_000 });
      await page.getByText("2/2").first().waitFor();
      await page.locator('button[aria-label="Previous message"]').last().click();
      await page.getByText("Ahoy from the llama pasture, friend.").waitFor();
      await page.getByText("1/2").first().waitFor();
    });

    await step(page, "models-06-stop", async () => {
      ollama.options.tokens = Array.from({ length: 400 }, (_, i) => `word${i} `);
      ollama.options.chunkDelayMs = 25;
      await sendMessage(page, "Tell me a long story");
      await page.getByText("word5 word6").waitFor({ timeout: 15_000 });
      await page.locator('button:has(path[d^="M2.25 12c0-5.385"])').click();
      await Bun.sleep(300);
      const shown = await page.locator("#response-content-container").last().innerText();
      await Bun.sleep(1_500);
      expect(await page.locator("#response-content-container").last().innerText()).toBe(shown);
      expect(shown).toContain("word5");
      expect(shown).not.toContain("word399");
      // The backend stopped reading the upstream too.
      for (let i = 0; i < 50 && ollama.cancelled() === 0; i++) await Bun.sleep(100);
      expect(ollama.cancelled()).toBe(1);
      const chat = (await api(`/api/v1/chats/${chatId}`)).chat;
      const stored = chat.history.messages[chat.history.currentId].content as string;
      expect(stored.startsWith("word0 word1")).toBe(true);
      expect(stored).not.toContain("word399");
    });

    await step(page, "models-07-openai-in-a-new-chat", async () => {
      await page.goto(`${server.url}/`);
      await pickModel(page, OPENAI_MODEL);
      await sendMessage(page, "Hello GPT");
      await watchReply(page, "Hi from the GPT side.");
      const completion = openai.requests.find((r) => r.path.endsWith("/chat/completions") && r.body?.stream === true);
      expect(completion?.body.model).toBe(OPENAI_MODEL);
      await page.waitForURL(/\/c\//);
      const secondId = new URL(page.url()).pathname.split("/").at(-1) as string;
      expect(secondId).not.toBe(chatId);
      await page.reload();
      await page.getByText("Hi from the GPT side.").waitFor({ timeout: 15_000 });
      expect((await api(`/api/v1/chats/${secondId}`)).chat.models).toEqual([OPENAI_MODEL]);
    });

    expect(session.problems).toEqual([]);
  }, 180_000);
});
