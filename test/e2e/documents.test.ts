// Documents and knowledge in the real frontend. A user uploads a PDF into a chat and gets an
// answer that cites it, on a fresh install without an embedding engine (full-text search). Then,
// with an OpenAI-compatible embedding engine, a user builds a knowledge base in Workspace >
// Knowledge, picks it with `#` in a new chat, and gets an answer citing its files. Both check
// that the model was asked with the document's text in the RAG prompt, and that the source
// under the answer opens the citation with the chunk's text.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startFakeEmbedder, type FakeEmbedder } from "../fakes/embeddings";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { makePdf } from "../support/documents";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage } from "./support";

/** The task model is the fake too: it answers the retrieval-query prompt with these queries. */
function answerQueryGeneration(upstream: FakeOpenAI, queries: string[]) {
  upstream.options.reply = (body) => {
    const prompt = JSON.stringify(body.messages ?? "");
    return !body.stream && prompt.includes('{\\"queries\\"') ? [JSON.stringify({ queries })] : undefined;
  };
}

/** The last user message of the streamed chat completion whose prompt contains `marker`. */
function promptWith(upstream: FakeOpenAI, marker: string): string | undefined {
  for (const request of upstream.requests) {
    if (!request.path.endsWith("/chat/completions") || !request.body?.stream) continue;
    const messages = (request.body.messages ?? []) as { role: string; content: unknown }[];
    const last = messages.filter((m) => m.role === "user").at(-1)?.content;
    if (typeof last === "string" && last.includes(marker)) return last;
  }
  return undefined;
}

/** Opens the answer's sources, checks the file is listed, and opens its citation. */
async function openCitation(page: Page, fileName: string, chunkText: string) {
  await page.getByRole("button", { name: /^\d+ Sources?$/ }).last().click();
  const source = page.locator('button[id^="source-"]', { hasText: fileName }).last();
  await source.waitFor();
  await source.click();
  const modal = page.getByRole("dialog");
  await modal.getByText(fileName).first().waitFor();
  await modal.getByText(chunkText).first().waitFor();
  await page.keyboard.press("Escape");
  await modal.waitFor({ state: "detached" });
}

/** Waits until no upload spinner is left in the chat input (the file is processed). */
async function waitForUploads(page: Page, fileName: string) {
  const form = page.locator("form").filter({ has: page.locator("#chat-input") });
  await form.getByText(fileName).first().waitFor({ timeout: 15_000 });
  await form.locator(".spinner_ajPY").first().waitFor({ state: "detached", timeout: 30_000 });
}

describe.skipIf(!e2eEnabled)("a PDF in a chat, without an embedding engine (full-text search)", () => {
  let upstream: FakeOpenAI;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    upstream = startFakeOpenAI({ models: [{ id: "fake-gpt" }], chunkDelayMs: 5 });
    // A fresh install's defaults: the local engine, whose model is not on disk here.
    server = await startExecutable({ OPENAI_API_BASE_URLS: upstream.url, OPENAI_API_KEYS: "sk-e2e", ENABLE_OLLAMA_API: "false" });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await upstream?.stop();
  });

  test("upload a PDF, ask about it, see the answer cite it", async () => {
    const { page } = session;
    const pdf = makePdf(["Project Heliotrope: the launch code is AMBER-7731 and the window opens on Tuesday."]);
    await step(page, "documents-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
      await page.getByText("fake-gpt").first().waitFor({ timeout: 10_000 });
    });
    await step(page, "documents-02-upload-pdf", async () => {
      await page.locator("#input-menu-button").click();
      const chooser = page.waitForEvent("filechooser");
      await page.getByText("Upload Files").click();
      await (await chooser).setFiles({ name: "heliotrope.pdf", mimeType: "application/pdf", buffer: Buffer.from(pdf) });
      await waitForUploads(page, "heliotrope.pdf");
    });
    answerQueryGeneration(upstream, ["Heliotrope launch code"]);
    upstream.options.tokens = ["The launch", " code is", " AMBER-7731", " [1]."];
    await step(page, "documents-03-ask", async () => {
      await sendMessage(page, "What is the launch code of Project Heliotrope?");
      await page.getByText("The launch code is AMBER-7731").first().waitFor({ timeout: 20_000 });
      // The RAG template wraps the PDF's text as a numbered source before the question.
      const prompt = promptWith(upstream, "AMBER-7731") ?? "";
      expect(prompt).toContain('<source id="1" name="heliotrope.pdf">Project Heliotrope: the launch code is AMBER-7731');
      expect(prompt.indexOf("<context>")).toBeLessThan(prompt.indexOf("AMBER-7731"));
      expect(prompt.trimEnd().endsWith("What is the launch code of Project Heliotrope?")).toBe(true);
      // No embedding engine was asked: the fake upstream also serves /embeddings.
      expect(upstream.requests.filter((r) => r.path.endsWith("/embeddings"))).toEqual([]);
    });
    await step(page, "documents-04-citation", async () => {
      await openCitation(page, "heliotrope.pdf", "the launch code is AMBER-7731");
    });
    // The sources were saved with the message: after a reload the inline [1] opens the citation.
    await step(page, "documents-05-reload", async () => {
      await page.reload();
      await page.getByText("The launch code is AMBER-7731").first().waitFor({ timeout: 15_000 });
      await page.locator("#response-content-container").getByRole("button", { name: "heliotrope.pdf" }).click();
      await page.getByRole("dialog").getByText("the launch code is AMBER-7731").first().waitFor();
      await page.keyboard.press("Escape");
    });
    expect(session.problems).toEqual([]);
  }, 120_000);
});

describe.skipIf(!e2eEnabled)("a knowledge base picked with #, with an embedding engine", () => {
  let upstream: FakeOpenAI;
  let embedder: FakeEmbedder;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    upstream = startFakeOpenAI({ models: [{ id: "fake-gpt" }], chunkDelayMs: 5 });
    embedder = startFakeEmbedder();
    server = await startExecutable({
      OPENAI_API_BASE_URLS: upstream.url,
      OPENAI_API_KEYS: "sk-e2e",
      ENABLE_OLLAMA_API: "false",
      RAG_EMBEDDING_ENGINE: "openai",
      RAG_EMBEDDING_MODEL: "fake-embedding",
      RAG_OPENAI_API_BASE_URL: `${embedder.url}/v1`,
      RAG_OPENAI_API_KEY: "sk-embed",
    });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    embedder?.stop();
    await upstream?.stop();
  });

  test("create a knowledge base, upload files into it, ask with # and see the answer cite them", async () => {
    const { page } = session;
    await step(page, "knowledge-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });
    await step(page, "knowledge-02-create", async () => {
      await page.goto(`${server.url}/workspace/knowledge`);
      await page.getByRole("button", { name: "Create Knowledge" }).click();
      await page.getByPlaceholder("Name your knowledge base").fill("Garden Handbook");
      await page.getByPlaceholder("Describe your knowledge base and objectives").fill("How we look after the garden");
      await page.getByRole("button", { name: "Create Knowledge" }).click();
      await page.waitForURL(/\/workspace\/knowledge\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    });
    const knowledgeId = new URL(page.url()).pathname.split("/").at(-1) as string;
    const files = [
      {
        name: "watering.pdf",
        mimeType: "application/pdf",
        buffer: Buffer.from(makePdf(["Tomatoes need watering every morning with rainwater."])),
      },
      {
        name: "pruning.md",
        mimeType: "text/markdown",
        buffer: Buffer.from("# Pruning\n\nRoses are pruned in late winter, just above an outward bud.\n"),
      },
    ];
    await step(page, "knowledge-03-upload-files", async () => {
      // The "+" next to the collection's search box (its only name is a tooltip).
      await page.getByPlaceholder(/^Search Collection/).locator("xpath=..").locator("button").last().click();
      const chooser = page.waitForEvent("filechooser");
      await page.getByText("Upload files").click();
      await (await chooser).setFiles(files);
      const token = await page.evaluate(() => localStorage.token);
      let names: string[] = [];
      for (let i = 0; i < 100 && names.length < 2; i++) {
        const knowledge = (await fetch(`${server.url}/api/v1/knowledge/${knowledgeId}`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
          r.json(),
        )) as { files?: { meta: { name: string } }[] };
        names = (knowledge.files ?? []).map((f) => f.meta.name).sort();
        if (names.length < 2) await Bun.sleep(200);
      }
      expect(names).toEqual(["pruning.md", "watering.pdf"]);
      for (const file of files) await page.getByText(file.name).first().waitFor();
      // Both files were embedded by the configured engine.
      expect(embedder.calls.some((c) => c.model === "fake-embedding" && c.inputs.some((t) => t.includes("Tomatoes need watering")))).toBe(true);
      expect(embedder.calls.some((c) => c.inputs.some((t) => t.includes("Roses are pruned")))).toBe(true);
    });
    await step(page, "knowledge-04-view-extracted-text", async () => {
      await page.getByText("watering.pdf").first().click();
      const editor = page.getByPlaceholder("Add content here");
      await editor.waitFor();
      let text = "";
      for (let i = 0; i < 50 && !text.includes("Tomatoes"); i++) {
        text = await editor.inputValue();
        if (!text.includes("Tomatoes")) await Bun.sleep(100);
      }
      expect(text).toContain("Tomatoes need watering every morning with rainwater.");
    });
    answerQueryGeneration(upstream, ["watering tomatoes"]);
    upstream.options.tokens = ["Water", " the tomatoes", " every morning", " with rainwater [1]."];
    await step(page, "knowledge-05-pick-with-hash", async () => {
      await page.goto(`${server.url}/`);
      await page.getByText("fake-gpt").first().waitFor({ timeout: 10_000 });
      await page.locator("#chat-input").click();
      await page.keyboard.type("#Garden");
      const option = page.getByRole("button", { name: "Garden Handbook" }).first();
      await option.waitFor();
      await option.click();
      const form = page.locator("form").filter({ has: page.locator("#chat-input") });
      await form.getByText("Garden Handbook").first().waitFor();
    });
    await step(page, "knowledge-06-ask", async () => {
      await sendMessage(page, "How often should I water the tomatoes?");
      await page.getByText("Water the tomatoes every morning with rainwater").first().waitFor({ timeout: 20_000 });
      const prompt = promptWith(upstream, "Tomatoes need watering every morning") ?? "";
      expect(prompt).toMatch(/<source id="\d" name="Garden Handbook">Tomatoes need watering every morning with rainwater\./);
      expect(prompt.trimEnd().endsWith("How often should I water the tomatoes?")).toBe(true);
      // The question was embedded with the engine too (vector search, not the full-text fallback).
      expect(embedder.calls.some((c) => c.inputs.includes("watering tomatoes"))).toBe(true);
    });
    await step(page, "knowledge-07-citation", async () => {
      await openCitation(page, "watering.pdf", "Tomatoes need watering every morning with rainwater.");
    });
    expect(session.problems).toEqual([]);
  }, 150_000);
});
