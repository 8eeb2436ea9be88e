// Settings in the real frontend: the user's settings modal tab by tab (what Open WebUI's own
// Cypress settings test does), then changes that must survive a reload — a system prompt and an
// interface toggle (stored in the user's settings), the account's name — and the admin panel:
// sign-ups and the default role, an Ollama connection added in the UI whose models reach the
// chat's model selector, and a model hidden and another renamed in the admin models list.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Locator, Page } from "playwright-core";
import { startFakeOllama, type FakeOllama } from "../fakes/ollama";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin } from "./support";

/** The user menu at the sidebar's foot (the navbar's sits where the toasts show up). */
async function openUserMenu(page: Page) {
  await page.locator('img[aria-label="Open User Profile Menu"]:visible').first().click();
}

async function openUserSettings(page: Page, tab: string) {
  await openUserMenu(page);
  await page.getByRole("menuitem").filter({ hasText: "Settings" }).first().click();
  await page.getByRole("tab", { name: tab }).click();
}

/** Hits the page's Save and waits for the "saved" toast. */
async function saveSettings(page: Page) {
  await page.locator("li[data-sonner-toast]").evaluateAll((toasts) => toasts.forEach((toast) => toast.setAttribute("data-seen", "")));
  await page.getByRole("button", { name: "Save", exact: true }).click();
  // Attached, not visible: beyond three toasts the newest waits hidden until an older one goes.
  await page.locator("li[data-sonner-toast]:not([data-seen])", { hasText: "Settings saved successfully!" }).first().waitFor({ state: "attached" });
}

async function closeUserSettings(page: Page) {
  await page.locator('button[aria-label="Close settings modal"]').click();
  await page.getByRole("tablist").waitFor({ state: "detached" });
}

/** Polls `read` until `ok` holds for its value (the frontend saves without waiting for us). */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > until) throw new Error(`still not as expected: ${JSON.stringify(value)}`);
    await Bun.sleep(100);
    value = await read();
  }
  return value;
}

/** Waits until a form field shows `value` (forms fill themselves in after they open). */
async function fieldShows(field: Locator, value: string) {
  await eventually(() => field.inputValue(), (shown) => shown === value);
}

describe.skipIf(!e2eEnabled)("settings in the real frontend", () => {
  let openai: FakeOpenAI;
  let secondOpenai: FakeOpenAI;
  let homeOllama: FakeOllama;
  let ollama: FakeOllama;
  let server: RunningServer;
  let session: BrowserSession;

  const api = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const token = await session.page.evaluate(() => localStorage.token);
    const res = await fetch(`${server.url}${path}`, {
      method: init.method ?? "GET",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return (await res.json()) as any;
  };

  beforeAll(async () => {
    openai = startFakeOpenAI({ models: [{ id: "fake-gpt" }] });
    secondOpenai = startFakeOpenAI({ models: [{ id: "second-gpt" }] });
    // One Ollama is configured from the start (an unreachable one would make the reference, and
    // us, answer 500 to the version check every model selector makes); the admin adds the second.
    homeOllama = startFakeOllama({ models: ["qwen-home:latest"] });
    ollama = startFakeOllama({ models: ["llama-e2e:latest"] });
    server = await startExecutable({
      OPENAI_API_BASE_URLS: openai.url,
      OPENAI_API_KEYS: "sk-e2e",
      ENABLE_OLLAMA_API: "true",
      OLLAMA_BASE_URLS: homeOllama.url,
    });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await ollama?.stop();
    await homeOllama?.stop();
    await openai?.stop();
    await secondOpenai?.stop();
  });

  test("the settings tabs, user settings and account that persist, admin general, connections and models", async () => {
    const { page } = session;
    await step(page, "settings-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });

    await step(page, "settings-02-every-tab", async () => {
      for (const [tab, save] of [
        ["General", true],
        ["Interface", true],
        ["Audio", true],
        ["Data Controls", false],
        ["Account", true],
        ["About", false],
      ] as const) {
        await openUserSettings(page, tab);
        if (save) await saveSettings(page);
        await closeUserSettings(page);
      }
    });

    await step(page, "settings-03-system-prompt-and-toggle", async () => {
      await openUserSettings(page, "General");
      await page.getByPlaceholder("Enter system prompt here").fill("You answer like a pirate.");
      await saveSettings(page);
      await page.getByRole("tab", { name: "Interface" }).click();
      const widescreen = page.getByRole("switch", { name: "Widescreen Mode" });
      expect(await widescreen.getAttribute("aria-checked")).toBe("false");
      await widescreen.click();
      const stored = await eventually(
        () => api("/api/v1/users/user/settings"),
        (s) => s?.ui?.widescreenMode === true,
      );
      expect(stored.ui.system).toBe("You answer like a pirate.");
      expect(stored.ui.widescreenMode).toBe(true);
      await page.reload();
      await openUserSettings(page, "General");
      await fieldShows(page.getByPlaceholder("Enter system prompt here"), "You answer like a pirate.");
      await page.getByRole("tab", { name: "Interface" }).click();
      await eventually(() => page.getByRole("switch", { name: "Widescreen Mode" }).getAttribute("aria-checked"), (checked) => checked === "true");
      await closeUserSettings(page);
    });

    // Until the user has an API key, the Account tab's request for it gets the reference's 404.
    let keyCreated = 0;
    await step(page, "settings-04-account-name-and-key", async () => {
      await openUserSettings(page, "Account");
      await fieldShows(page.getByPlaceholder("Enter your name"), "Ada Admin");
      await page.getByPlaceholder("Enter your name").fill("Ada Lovelace");
      await saveSettings(page);
      await eventually(() => api("/api/v1/auths/"), (me) => me.name === "Ada Lovelace");
      await page.reload();
      expect((await api("/api/v1/auths/")).name).toBe("Ada Lovelace");
      await openUserSettings(page, "Account");
      await fieldShows(page.getByPlaceholder("Enter your name"), "Ada Lovelace");
      await page.getByText("API keys").locator("xpath=..").getByRole("button", { name: "Show" }).click();
      await page.getByRole("button", { name: "Create new secret key" }).click();
      const key = await eventually(() => api("/api/v1/auths/api_key"), (body) => typeof body?.api_key === "string");
      keyCreated = session.problems.length;
      await page.reload();
      await openUserSettings(page, "Account");
      await page.getByText("API keys").locator("xpath=..").getByRole("button", { name: "Show" }).click();
      // Shown masked, in an input that holds it.
      await eventually(
        () => page.locator("input").evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value)),
        (values) => values.includes(key.api_key),
      );
      await closeUserSettings(page);
    });

    await step(page, "settings-05-admin-general", async () => {
      await openUserMenu(page);
      await page.getByRole("menuitem").filter({ hasText: "Admin Panel" }).first().click();
      await page.waitForURL(/\/admin/);
      await page.goto(`${server.url}/admin/settings/general`);
      await page.getByText("Default User Role").waitFor();
      const signUps = page.getByText("Enable New Sign Ups").locator("xpath=..").getByRole("switch");
      expect(await signUps.getAttribute("aria-checked")).toBe("false");
      await signUps.click();
      await page.getByText("Default User Role").locator("xpath=..").locator("select").selectOption("user");
      await saveSettings(page);
      await eventually(() => api("/api/v1/auths/admin/config"), (c) => c.ENABLE_SIGNUP === true);
      await page.reload();
      await page.getByText("Default User Role").waitFor();
      expect(await page.getByText("Enable New Sign Ups").locator("xpath=..").getByRole("switch").getAttribute("aria-checked")).toBe("true");
      expect(await page.getByText("Default User Role").locator("xpath=..").locator("select").inputValue()).toBe("user");
      const config = await api("/api/v1/auths/admin/config");
      expect(config.ENABLE_SIGNUP).toBe(true);
      expect(config.DEFAULT_USER_ROLE).toBe("user");
      const publicConfig = (await (await fetch(`${server.url}/api/config`)).json()) as { features: { enable_signup: boolean } };
      expect(publicConfig.features.enable_signup).toBe(true);
    });

    await step(page, "settings-06-admin-connections", async () => {
      await page.goto(`${server.url}/admin/settings/connections`);
      await page.getByText("Manage Ollama API Connections").locator("xpath=..").getByRole("button").click();
      await page.getByRole("dialog").locator("#url-input").fill(ollama.url);
      await page.getByRole("dialog").getByRole("button", { name: "Save", exact: true }).click();
      const config = await eventually(
        () => api("/ollama/config"),
        (c) => c.OLLAMA_BASE_URLS?.includes(ollama.url),
      );
      expect(config.OLLAMA_BASE_URLS).toContain(ollama.url);
      await page.reload();
      await page.getByText("Manage Ollama API Connections").waitFor();
      const shown = await page.locator("input").evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
      expect(shown).toContain(ollama.url);
      await page.goto(`${server.url}/`);
      await page.locator("#model-selector-0-button").click();
      await page.locator('[data-value="llama-e2e:latest"]').waitFor();
      await page.locator('[data-value="fake-gpt"]').waitFor();
      await page.keyboard.press("Escape");
    });

    await step(page, "settings-06b-admin-openai-connection", async () => {
      await page.goto(`${server.url}/admin/settings/connections`);
      await page.getByText("Manage OpenAI API Connections").locator("xpath=..").getByRole("button").click();
      await page.getByRole("dialog").locator("#url-input").fill(secondOpenai.url);
      await page.getByRole("dialog").getByPlaceholder("API Key").fill("sk-second");
      await page.getByRole("dialog").getByRole("button", { name: "Save", exact: true }).click();
      const config = await eventually(
        () => api("/openai/config"),
        (c) => c.OPENAI_API_BASE_URLS?.includes(secondOpenai.url),
      );
      expect(config.OPENAI_API_KEYS[config.OPENAI_API_BASE_URLS.indexOf(secondOpenai.url)]).toBe("sk-second");
      await page.reload();
      await page.getByText("Manage OpenAI API Connections").waitFor();
      const shown = await page.locator("input").evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value));
      expect(shown).toContain(secondOpenai.url);
      await page.goto(`${server.url}/`);
      await page.locator("#model-selector-0-button").click();
      await page.locator('[data-value="second-gpt"]').waitFor();
      await page.keyboard.press("Escape");
    });

    await step(page, "settings-07-admin-models", async () => {
      await page.goto(`${server.url}/admin/settings/models`);
      const gpt = page.locator('[id="model-item-fake-gpt"]');
      const llama = page.locator('[id="model-item-llama-e2e:latest"]');
      await gpt.waitFor();
      await llama.waitFor();
      // Hide fake-gpt from the menu.
      await gpt.getByRole("button").last().click();
      await page.getByRole("menuitem", { name: "Hide Model" }).click();
      await eventually(() => api("/api/v1/models/base"), (models) => models.some((m: any) => m.id === "fake-gpt" && m.meta?.hidden === true));
      // Rename the Ollama model in its editor.
      await llama.locator("button").first().click();
      await page.getByPlaceholder("Model Name").fill("Llama Friendly");
      await page.getByRole("button", { name: "Save & Update" }).click();
      await eventually(() => api("/api/v1/models/base"), (models) => models.some((m: any) => m.id === "llama-e2e:latest" && m.name === "Llama Friendly"));
      await page.reload();
      await page.locator('[id="model-item-llama-e2e:latest"]').getByText("Llama Friendly").waitFor();
      expect(await page.locator('[id="model-item-fake-gpt"]').getAttribute("class")).toContain("opacity-50");
      const listed = (await api("/api/models")).data as any[];
      expect(listed.find((m) => m.id === "llama-e2e:latest")?.name).toBe("Llama Friendly");
      expect(listed.find((m) => m.id === "fake-gpt")?.info?.meta?.hidden).toBe(true);
      await page.goto(`${server.url}/`);
      await page.locator("#model-selector-0-button").click();
      await page.locator('[data-value="llama-e2e:latest"]').getByText("Llama Friendly").waitFor();
      expect(await page.locator('[data-value="fake-gpt"]').count()).toBe(0);
      await page.keyboard.press("Escape");
    });

    const noKeyYet = (problem: string, index: number) => index < keyCreated && problem.includes("404") && problem.includes("/api/v1/auths/api_key");
    expect(session.problems.filter((problem, index) => !noKeyYet(problem, index))).toEqual([]);
  }, 300_000);
});
