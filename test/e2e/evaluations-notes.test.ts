// Ratings and notes in the real frontend: thumbs up under a reply creates the feedback and the
// reason form updates it, the admin's Evaluations page lists it; a new note is typed into (saved
// through the collaborative editor's socket), renamed (saved through the API), found again after
// a reload, and deleted from the notes list.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage } from "./support";

async function api(page: Page, serverUrl: string, path: string): Promise<{ status: number; body: any }> {
  const token = await page.evaluate(() => localStorage.token);
  const response = await fetch(`${serverUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

/** Polls until `check` holds on the answer of `path`, then returns that answer's body. */
async function until(page: Page, serverUrl: string, path: string, check: (body: any) => boolean): Promise<any> {
  let last: any;
  for (let i = 0; i < 100; i++) {
    last = (await api(page, serverUrl, path)).body;
    if (check(last)) return last;
    await Bun.sleep(100);
  }
  throw new Error(`${path} never matched; last answer: ${JSON.stringify(last).slice(0, 500)}`);
}

describe.skipIf(!e2eEnabled)("ratings and notes in the real frontend", () => {
  let upstream: FakeOpenAI;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    upstream = startFakeOpenAI({ models: [{ id: "fake-gpt" }], tokens: ["Paris", " is", " the", " capital."] });
    server = await startExecutable({ OPENAI_API_BASE_URLS: upstream.url, OPENAI_API_KEYS: "sk-e2e", ENABLE_OLLAMA_API: "false" });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await upstream?.stop();
  });

  test("rate a reply and see it on the Evaluations page; write, rename, reload and delete a note", async () => {
    const { page } = session;
    await step(page, "rating-01-onboarding-and-chat", async () => {
      await onboardAdmin(page, server.url);
      await page.getByText("fake-gpt").first().waitFor({ timeout: 10_000 });
      await sendMessage(page, "What is the capital of France?");
      await page.getByText("Paris is the capital.").waitFor({ timeout: 15_000 });
      await page.waitForURL(/\/c\//);
    });

    await step(page, "rating-02-thumbs-up-and-reason", async () => {
      const chatId = new URL(page.url()).pathname.split("/").at(-1);
      await page.getByRole("button", { name: "Good Response" }).last().click();
      const [created] = await until(page, server.url, "/api/v1/evaluations/feedbacks/all", (list) => list.length === 1);
      expect(created).toMatchObject({ type: "rating", data: { rating: 1, model_id: "fake-gpt" }, meta: { chat_id: chatId }, user: { email: "ada@example.com" } });
      // The frontend writes the rating and the feedback id into the message itself.
      const chat = await until(page, server.url, `/api/v1/chats/${chatId}`, (c) => {
        const message = c.chat.history.messages[c.chat.history.currentId];
        return message?.annotation?.rating === 1 && message?.feedbackId === created.id;
      });
      expect(chat.id).toBe(chatId);

      await page.getByRole("button", { name: "Accurate information" }).click();
      await page.getByPlaceholder("Feel free to add specific details").fill("Short and right");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      const updated = await until(page, server.url, `/api/v1/evaluations/feedback/${created.id}`, (f) => f.data?.comment === "Short and right");
      expect(updated.data).toMatchObject({ rating: 1, reason: "accurate_information", comment: "Short and right" });
      expect(updated.snapshot.chat.id).toBe(chatId);
      expect((await api(page, server.url, "/api/v1/evaluations/feedbacks/all")).body.length).toBe(1);
    });

    await step(page, "rating-03-evaluations-page", async () => {
      await page.goto(`${server.url}/admin/evaluations`);
      await page.getByText("fake-gpt").first().waitFor({ timeout: 15_000 });
      await page.goto(`${server.url}/admin/evaluations/feedbacks`);
      await page.getByText("fake-gpt").first().waitFor({ timeout: 15_000 });
    });

    let noteId = "";
    await step(page, "notes-01-create-and-type", async () => {
      await page.goto(`${server.url}/notes`);
      await page.locator("div.absolute.bottom-0 button").last().click();
      await page.waitForURL(/\/notes\/[0-9a-f-]{36}/, { timeout: 15_000 });
      noteId = new URL(page.url()).pathname.split("/").at(-1)!;
      await page.locator(".ProseMirror").first().click();
      await page.keyboard.type("Remember the milk");
      const note = await until(page, server.url, `/api/v1/notes/${noteId}`, (n) => (n.data?.content?.md ?? "").includes("Remember the milk"));
      expect(note.access_control).toEqual({});
    });

    await step(page, "notes-02-rename-and-reload", async () => {
      const title = page.getByPlaceholder("Title");
      await title.fill("Shopping");
      await page.locator(".ProseMirror").first().click();
      const note = await until(page, server.url, `/api/v1/notes/${noteId}`, (n) => n.title === "Shopping");
      // The title's save (through the API) kept what the editor saved (through the socket).
      expect(note.data.content.md).toContain("Remember the milk");
      await page.reload();
      await page.getByText("Remember the milk").first().waitFor({ timeout: 15_000 });
    });

    await step(page, "notes-03-delete-from-the-list", async () => {
      await page.goto(`${server.url}/notes`);
      const card = page.locator(`a[href="/notes/${noteId}"]`);
      await card.getByText("Shopping").waitFor({ timeout: 15_000 });
      await card.locator("button").first().click();
      await page.getByText("Delete", { exact: true }).last().click();
      await page.getByRole("button", { name: "Confirm" }).click();
      await card.waitFor({ state: "detached", timeout: 15_000 });
      expect((await api(page, server.url, `/api/v1/notes/${noteId}`)).status).toBe(404);
    });

    expect(session.problems.filter((p) => !p.includes("/api/v1/users/user/settings"))).toEqual([]);
  }, 180_000);
});
