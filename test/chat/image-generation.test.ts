// features.image_generation in a chat: the task model writes the image prompt, the OpenAI-compatible
// images API (the fake on loopback) draws it, the image reaches the message as a `files` event and
// is saved with it, and the model is told through the system message. A failing engine is reported
// and the reply still comes.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { dialects } from "../support/databases";
import { PNG_BYTES } from "../fakes/openai";
import { publishModel, startWorld, type World } from "../fakes/world";
import { memoryRuntime } from "./memory-runtime";

const SHOWN = "<context>User is shown the generated image, tell the user that the image has been generated</context>";
const FAILED = "<context>Unable to generate an image, tell the user that an error occurred</context>";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let rt: ReturnType<typeof memoryRuntime>;
    let turn = 0;
    beforeAll(async () => {
      w = await startWorld(dialect, {
        openai: {
          models: [{ id: "gpt-fake" }],
          tokens: ["Here", " it is."],
          reply: (body) => (JSON.stringify(body.messages).includes("image generator") ? ['{"prompt": "a watercolour fox under a full moon"}'] : undefined),
          images: {},
        },
      });
      rt = memoryRuntime();
      provideChatRuntime(w.t.ctx, rt);
      await publishModel(w, "gpt-fake");
    }, 30_000);
    afterAll(async () => w.close(), 30_000);

    beforeEach(async () => {
      w.openai.options.images = {};
      await w.t.ctx.config.set({
        ENABLE_IMAGE_GENERATION: true,
        ENABLE_IMAGE_PROMPT_GENERATION: true,
        IMAGE_GENERATION_ENGINE: "openai",
        IMAGES_OPENAI_API_BASE_URL: w.openai.url,
        IMAGES_OPENAI_API_KEY: "sk-images",
      });
    });

    const ask = async (features: Record<string, unknown> = { image_generation: true }) => {
      turn++;
      const chatId = `chat-${turn}`;
      const messageId = `a${turn}`;
      rt.chats.add(chatId, w.user.id, [
        { id: `u${turn}`, parentId: null, childrenIds: [messageId], role: "user", content: "Draw me a fox at night" },
        { id: messageId, parentId: `u${turn}`, childrenIds: [], role: "assistant", content: "", model: "gpt-fake", files: [{ type: "file", id: "earlier" }] },
      ]);
      const res = await w.t.request("POST", "/api/chat/completions", {
        token: w.user.token,
        body: {
          model: "gpt-fake",
          stream: true,
          messages: [{ role: "user", content: "Draw me a fox at night" }],
          features,
          session_id: "sid-1",
          chat_id: chatId,
          id: messageId,
        },
      });
      expect(res.status).toBe(200);
      await rt.emit.waitFor((e) => e.payload.message_id === messageId && e.payload.data?.type === "chat:completion" && e.payload.data.data?.done === true);
      const message = rt.chats.chats.get(chatId)!.history.messages[messageId]!;
      const events = rt.emit.of(messageId);
      return { message, events, statuses: events.filter((e) => e.type === "status").map((e) => e.data) };
    };
    const lastReplyRequest = () => w.openai.requests.filter((r) => r.path === "/v1/chat/completions" && r.body.stream).at(-1)!;
    const imageRequests = () => w.openai.requests.filter((r) => r.path === "/v1/images/generations");

    test("the generated prompt is drawn, the image is sent and saved on the message, the model is told", async () => {
      const before = imageRequests().length;
      const { message, events, statuses } = await ask();
      expect(imageRequests()).toHaveLength(before + 1);
      expect(imageRequests().at(-1)!.body.prompt).toBe("a watercolour fox under a full moon");
      expect(statuses).toEqual([
        { description: "Creating image", done: false },
        { description: "Image created", done: true },
      ]);
      const filesEvent = events.find((e) => e.type === "files")!;
      expect(filesEvent.data.files).toHaveLength(1);
      const [image] = filesEvent.data.files;
      expect(image.type).toBe("image");
      expect(image.url).toMatch(/^\/api\/v1\/files\/[0-9a-f-]{36}\/content$/);
      // Sent before the reply, saved in front of the files the message had.
      expect(events.indexOf(filesEvent)).toBeLessThan(events.findIndex((e) => e.type === "chat:completion"));
      expect(message.files).toEqual([image, { type: "file", id: "earlier" }]);
      expect(message.content).toBe("Here it is.");
      expect(message.statusHistory).toEqual(statuses);
      const system = lastReplyRequest().body.messages[0];
      expect(system).toEqual({ role: "system", content: SHOWN });
      const content = await w.t.app.handle(new Request(`http://localhost${image.url}`, { headers: { authorization: `Bearer ${w.user.token}` } }));
      expect(new Uint8Array(await content.arrayBuffer())).toEqual(PNG_BYTES);
    });

    test("without prompt generation the user's message is the prompt", async () => {
      await w.t.ctx.config.set({ ENABLE_IMAGE_PROMPT_GENERATION: false });
      await ask();
      expect(imageRequests().at(-1)!.body.prompt).toBe("Draw me a fox at night");
    });

    test("an engine that fails is reported and the model is told so", async () => {
      w.openai.options.images = { error: { status: 500, body: { error: { message: "billing hard limit reached" } } } };
      const { message, events, statuses } = await ask();
      expect(statuses).toEqual([
        { description: "Creating image", done: false },
        { description: "An error occurred while generating an image", done: true },
      ]);
      expect(events.some((e) => e.type === "files")).toBe(false);
      expect(message.files).toEqual([{ type: "file", id: "earlier" }]);
      expect(lastReplyRequest().body.messages[0]).toEqual({ role: "system", content: FAILED });
      expect(message.content).toBe("Here it is.");
    });

    test("with image generation switched off the feature is ignored", async () => {
      await w.t.ctx.config.set({ ENABLE_IMAGE_GENERATION: false });
      const before = imageRequests().length;
      const { message, statuses } = await ask();
      expect(imageRequests()).toHaveLength(before);
      expect(statuses).toEqual([]);
      expect(lastReplyRequest().body.messages).toEqual([{ role: "user", content: "Draw me a fox at night" }]);
      expect(lastReplyRequest().body.features).toBeUndefined();
      expect(message.content).toBe("Here it is.");
    });
  });
}
