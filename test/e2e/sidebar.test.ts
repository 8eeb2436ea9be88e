// The sidebar in the real frontend: chats and a folder made by the user show up; rename, pin,
// move to a folder, share, archive and delete work from the chat menu and survive a reload.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { dismissChangelog, e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, signUpFirstAdmin } from "./support";

async function openChatMenu(page: Page, title: string) {
  const item = page.locator("#sidebar a", { hasText: title }).first();
  await item.hover();
  await item.locator("xpath=..").getByRole("button", { name: "Chat Menu" }).last().click();
}

describe.skipIf(!e2eEnabled)("the sidebar in the real frontend", () => {
  let server: RunningServer;
  let session: BrowserSession;
  let token = "";
  const chats: Record<string, string> = {};
  let folderId = "";

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };

  beforeAll(async () => {
    server = await startExecutable();
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
  });

  test("history, folders, rename, pin, move, share, archive, delete, and a reload", async () => {
    const { page } = session;
    await step(page, "sidebar-01-sign-up-and-seed", async () => {
      await signUpFirstAdmin(page, server.url, "Ada Admin", "ada@example.com", "ada-secret");
      token = await page.evaluate(() => localStorage.token);
      for (const title of ["Alpha", "Beta", "Gamma"]) {
        const created = await api("POST", "/api/v1/chats/new", {
          chat: { title, models: [], messages: [], history: { messages: {}, currentId: null }, tags: [], timestamp: Date.now() },
        });
        chats[title] = created.body.id;
      }
      folderId = (await api("POST", "/api/v1/folders/", { name: "Projects" })).body.id;
      await page.reload();
      await dismissChangelog(page, { required: true });
      await page.getByRole("button", { name: "Open Sidebar" }).first().click();
      for (const title of ["Alpha", "Beta", "Gamma", "Projects"]) await page.locator("#sidebar").getByText(title).first().waitFor();
    });
    await step(page, "sidebar-02-rename", async () => {
      await openChatMenu(page, "Alpha");
      await page.getByRole("menuitem", { name: "Rename", exact: true }).last().click();
      const input = page.locator("#sidebar input").first();
      await input.fill("Alpha renamed");
      await input.press("Enter");
      await page.locator("#sidebar").getByText("Alpha renamed").waitFor();
      expect((await api("GET", `/api/v1/chats/${chats.Alpha}`)).body.title).toBe("Alpha renamed");
    });
    await step(page, "sidebar-03-pin", async () => {
      await openChatMenu(page, "Beta");
      await page.getByRole("menuitem", { name: "Pin", exact: true }).last().click();
      await page.locator("#sidebar").getByText("Pinned").first().waitFor();
      expect((await api("GET", `/api/v1/chats/${chats.Beta}`)).body.pinned).toBe(true);
    });
    await step(page, "sidebar-04-share", async () => {
      await openChatMenu(page, "Gamma");
      await page.getByRole("menuitem", { name: "Share", exact: true }).last().click();
      await page.getByRole("button", { name: /Copy Link/ }).click();
      for (let i = 0; i < 50 && !(await api("GET", `/api/v1/chats/${chats.Gamma}`)).body.share_id; i++) await Bun.sleep(100);
      const shareId = (await api("GET", `/api/v1/chats/${chats.Gamma}`)).body.share_id;
      expect(shareId).toBeTruthy();
      expect((await api("GET", `/api/v1/chats/share/${shareId}`)).body.title).toBe("Gamma");
      await page.keyboard.press("Escape");
    });
    await step(page, "sidebar-05-move-to-folder", async () => {
      await openChatMenu(page, "Gamma");
      await page.getByRole("menuitem", { name: "Move", exact: true }).last().hover();
      await page.getByRole("menuitem", { name: "Projects", exact: true }).last().click();
      for (let i = 0; i < 50 && (await api("GET", `/api/v1/chats/${chats.Gamma}`)).body.folder_id !== folderId; i++) await Bun.sleep(100);
      expect((await api("GET", `/api/v1/chats/${chats.Gamma}`)).body.folder_id).toBe(folderId);
    });
    await step(page, "sidebar-06-archive", async () => {
      await openChatMenu(page, "Alpha renamed");
      await page.getByRole("menuitem", { name: "Archive", exact: true }).last().click();
      await page.locator("#sidebar").getByText("Alpha renamed").waitFor({ state: "detached" });
      expect((await api("GET", `/api/v1/chats/${chats.Alpha}`)).body.archived).toBe(true);
    });
    await step(page, "sidebar-07-delete", async () => {
      await openChatMenu(page, "Beta");
      await page.getByRole("menuitem", { name: "Delete", exact: true }).last().click();
      await page.getByRole("button", { name: "Confirm" }).click();
      await page.locator("#sidebar").getByText("Beta").waitFor({ state: "detached" });
      expect((await api("GET", `/api/v1/chats/${chats.Beta}`)).status).toBeGreaterThanOrEqual(400);
    });
    await step(page, "sidebar-08-reload", async () => {
      await page.reload();
      const open = page.getByRole("button", { name: "Open Sidebar" }).first();
      if (await open.isVisible({ timeout: 3_000 }).catch(() => false)) await open.click();
      await page.locator("#sidebar").getByText("Projects").first().waitFor();
      expect(await page.locator("#sidebar").getByText("Alpha renamed").count()).toBe(0);
      expect(await page.locator("#sidebar").getByText("Beta", { exact: true }).count()).toBe(0);
      const inFolder = await api("GET", `/api/v1/chats/folder/${folderId}/list?page=1`);
      expect(inFolder.body.map((c: any) => c.title)).toEqual(["Gamma"]);
    });
    expect(session.problems).toEqual([]);
  }, 180_000);
});
