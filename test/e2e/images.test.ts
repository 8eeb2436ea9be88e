// Image generation in the real frontend: the admin's Images settings page loads and saves the
// model and size, and the Image switch of the chat input draws a picture (the fake's images API)
// that shows on the reply and is still there after a reload.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, onboardAdmin, sendMessage } from "./support";

describe.skipIf(!e2eEnabled)("image generation in the real frontend", () => {
  let upstream: FakeOpenAI;
  let server: RunningServer;
  let session: BrowserSession;
  const imageRequests = () => upstream.requests.filter((r) => r.path === "/v1/images/generations");

  beforeAll(async () => {
    upstream = startFakeOpenAI({
      models: [{ id: "fake-gpt" }],
      tokens: ["Here", " is", " your", " fox."],
      reply: (body) => (JSON.stringify(body.messages).includes("image generator") ? ['{"prompt": "a red fox in fresh snow"}'] : undefined),
      images: {},
    });
    server = await startExecutable({
      OPENAI_API_BASE_URLS: upstream.url,
      OPENAI_API_KEYS: "sk-e2e",
      ENABLE_OLLAMA_API: "false",
      ENABLE_IMAGE_GENERATION: "true",
      IMAGE_GENERATION_ENGINE: "openai",
      IMAGES_OPENAI_API_BASE_URL: upstream.url,
      IMAGES_OPENAI_API_KEY: "sk-images",
    });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await upstream?.stop();
  });

  test("settings page, the Image switch, the picture on the reply", async () => {
    const { page } = session;
    await step(page, "images-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });
    await step(page, "images-02-settings", async () => {
      await page.goto(`${server.url}/admin/settings/images`);
      const model = page.getByPlaceholder("Select a model");
      await model.waitFor();
      await model.fill("dall-e-3");
      await page.getByPlaceholder("Enter Image Size (e.g. 512x512)").fill("256x256");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByText("Settings saved successfully!").first().waitFor();
      // The models the page offers come from GET /api/v1/images/models.
      expect(await page.locator("#model-list option").evaluateAll((options) => options.map((o) => o.getAttribute("value")))).toEqual([
        "dall-e-2",
        "dall-e-3",
        "gpt-image-1",
      ]);
    });
    await step(page, "images-03-chat", async () => {
      await page.goto(`${server.url}/`);
      await page.locator("#integration-menu-button").click();
      await page.getByRole("button", { name: "Image" }).click();
      await page.keyboard.press("Escape");
      await page.locator("#integration-menu-button").waitFor();
      await Bun.sleep(300);
      await sendMessage(page, "Draw a fox in the snow");
      await page.getByText("Here is your fox.").waitFor({ timeout: 15_000 });
      expect(imageRequests().at(-1)!.body).toMatchObject({ model: "dall-e-3", prompt: "a red fox in fresh snow", size: "256x256" });
      const picture = page.locator('img[src*="/api/v1/files/"]').first();
      await picture.waitFor({ timeout: 15_000 });
      await page.waitForFunction(`[...document.querySelectorAll('img[src*="/api/v1/files/"]')].some((img) => img.complete && img.naturalWidth > 0)`);
    });
    await step(page, "images-04-reload", async () => {
      await page.waitForURL(/\/c\//);
      await page.reload();
      await page.getByText("Here is your fox.").waitFor({ timeout: 15_000 });
      await page.locator('img[src*="/api/v1/files/"]').first().waitFor({ timeout: 15_000 });
    });
    expect(session.problems).toEqual([]);
  }, 180_000);
});
