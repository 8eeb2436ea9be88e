// Channels in the real frontend with ENABLE_CHANNELS: the admin creates a channel from the
// sidebar, posts a message, reacts to it, replies in its thread, and finds all of it again after
// a reload.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage } from "./support";

async function api(page: Page, serverUrl: string, path: string): Promise<any> {
  const token = await page.evaluate(() => localStorage.token);
  const response = await fetch(`${serverUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return response.json();
}

/** Polls until `check` holds on the answer of `path`, then returns that answer. */
async function until(page: Page, serverUrl: string, path: string, check: (body: any) => boolean): Promise<any> {
  let last: any;
  for (let i = 0; i < 100; i++) {
    last = await api(page, serverUrl, path);
    if (check(last)) return last;
    await Bun.sleep(100);
  }
  throw new Error(`${path} never matched; last answer: ${JSON.stringify(last).slice(0, 500)}`);
}

/**
 * The buttons of the hover toolbar of the message showing `text`: the emoji picker's trigger and
 * its button (add reaction), reply, reply in thread, edit, delete.
 */
async function toolbarOf(page: Page, text: string) {
  const message = page.locator("div.group", { has: page.getByText(text, { exact: true }) }).last();
  await message.hover();
  return message.locator("div.shadow-md").first().locator("button");
}

describe.skipIf(!e2eEnabled)("channels in the real frontend", () => {
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    server = await startExecutable({ ENABLE_CHANNELS: "true", ENABLE_OLLAMA_API: "false", ENABLE_OPENAI_API: "false" });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
  });

  test("create a channel, post, react, reply in a thread, reload", async () => {
    const { page } = session;
    let channelId = "";
    await step(page, "channels-01-create", async () => {
      await onboardAdmin(page, server.url);
      await page.getByRole("button", { name: "Open Sidebar" }).first().click();
      const folder = page.locator("#sidebar-folder-button", { hasText: "Channels" });
      await folder.hover();
      await folder.locator("button").last().click();
      await page.getByPlaceholder("new-channel").fill("Town Square");
      await page.getByRole("button", { name: "Create", exact: true }).click();
      const [channel] = await until(page, server.url, "/api/v1/channels/", (list) => list.length === 1);
      expect(channel.name).toBe("town-square");
      channelId = channel.id;
      await page.getByText("town-square").first().click();
      await page.waitForURL(new RegExp(`/channels/${channelId}`));
    });

    await step(page, "channels-02-post", async () => {
      await sendMessage(page, "Hello, square!");
      await page.getByText("Hello, square!").waitFor();
      await until(page, server.url, `/api/v1/channels/${channelId}/messages`, (list) => list[0]?.content === "Hello, square!");
    });

    await step(page, "channels-03-react", async () => {
      await (await toolbarOf(page, "Hello, square!")).nth(0).click();
      await page.getByPlaceholder("Search all emojis").fill("thumbsup");
      await page.locator("button.cursor-pointer").first().click();
      const [message] = await until(page, server.url, `/api/v1/channels/${channelId}/messages`, (list) => list[0]?.reactions.length === 1);
      expect(message.reactions[0]).toMatchObject({ count: 1 });
    });

    await step(page, "channels-04-thread-reply", async () => {
      await (await toolbarOf(page, "Hello, square!")).nth(3).click();
      await page.locator("#chat-input").last().click();
      await page.keyboard.type("A reply in the thread");
      await page.keyboard.press("Enter");
      const [message] = await until(page, server.url, `/api/v1/channels/${channelId}/messages`, (list) => list[0]?.reply_count === 1);
      const thread = await api(page, server.url, `/api/v1/channels/${channelId}/messages/${message.id}/thread`);
      expect(thread.map((m: any) => m.content)).toEqual(["A reply in the thread", "Hello, square!"]);
      await page.getByText("A reply in the thread").first().waitFor();
    });

    await step(page, "channels-05-reload", async () => {
      await page.reload();
      await page.getByText("Hello, square!").first().waitFor({ timeout: 15_000 });
      await page.getByText("1 Replies").first().waitFor();
      await page.getByText("town-square").first().waitFor();
    });
  }, 180_000);
});
