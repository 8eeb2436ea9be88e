// /api/v1/tasks on both databases: settings (persisted), each task completion, the task model
// choice, switched-off tasks, and access to the model.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApp } from "../support/app";
import { dialects } from "../support/databases";
import { publishModel, startWorld, type World } from "../fakes/world";
import { fillMessages, fillPrompt, fillUserAndDate } from "../../src/tasks/prompt";

const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";

const CONFIG = {
  TASK_MODEL: "llama3:latest",
  TASK_MODEL_EXTERNAL: "gpt-small",
  ENABLE_TITLE_GENERATION: true,
  TITLE_GENERATION_PROMPT_TEMPLATE: "",
  IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE: "",
  ENABLE_AUTOCOMPLETE_GENERATION: true,
  AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH: 10,
  TAGS_GENERATION_PROMPT_TEMPLATE: "Tags for: {{MESSAGES:END:1}}",
  ENABLE_TAGS_GENERATION: true,
  ENABLE_FOLLOW_UP_GENERATION: true,
  FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: "",
  ENABLE_SEARCH_QUERY_GENERATION: false,
  ENABLE_RETRIEVAL_QUERY_GENERATION: true,
  QUERY_GENERATION_PROMPT_TEMPLATE: "",
  TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE: "",
};

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(dialect, {
        openai: { models: [{ id: "gpt-fake" }, { id: "gpt-small" }], tokens: ['{"title": "🧪 Test chat"}'] },
      });
      await publishModel(w, "gpt-fake");
    }, 30_000);
    afterAll(async () => w.close(), 30_000);
    const req = (method: string, path: string, token?: string, body?: unknown) => w.t.request(method, path, { token, body });
    const messages = [{ role: "user", content: "How do plants grow?" }, { role: "assistant", content: "With light." }];
    const lastChat = () => w.openai.requests.filter((r) => r.path === "/v1/chat/completions").at(-1)!.body;

    test("auth levels", async () => {
      expect((await req("GET", "/api/v1/tasks/config")).status).toBe(401);
      expect((await req("GET", "/api/v1/tasks/config", w.pending.token)).status).toBe(401);
      expect((await req("GET", "/api/v1/tasks/config", w.user.token)).status).toBe(200);
      const update = await req("POST", "/api/v1/tasks/config/update", w.user.token, CONFIG);
      expect([update.status, update.body.detail]).toEqual([401, PROHIBITED]);
      for (const path of ["title", "follow_up", "tags", "image_prompt", "queries", "auto", "emoji", "moa"]) {
        expect((await req("POST", `/api/v1/tasks/${path}/completions`, undefined, {})).status).toBe(401);
        expect((await req("POST", `/api/v1/tasks/${path}/completions`, w.pending.token, {})).status).toBe(401);
      }
    });

    test("config: defaults, update of every key (persisted), all keys required", async () => {
      const defaults = await req("GET", "/api/v1/tasks/config", w.user.token);
      expect(defaults.body).toEqual({
        TASK_MODEL: "",
        TASK_MODEL_EXTERNAL: "",
        TITLE_GENERATION_PROMPT_TEMPLATE: "",
        IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE: "",
        ENABLE_AUTOCOMPLETE_GENERATION: false,
        AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH: -1,
        TAGS_GENERATION_PROMPT_TEMPLATE: "",
        FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: "",
        ENABLE_FOLLOW_UP_GENERATION: true,
        ENABLE_TAGS_GENERATION: true,
        ENABLE_TITLE_GENERATION: true,
        ENABLE_SEARCH_QUERY_GENERATION: true,
        ENABLE_RETRIEVAL_QUERY_GENERATION: true,
        QUERY_GENERATION_PROMPT_TEMPLATE: "",
        TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE: "",
      });
      const updated = await req("POST", "/api/v1/tasks/config/update", w.admin.token, CONFIG);
      expect(updated.status).toBe(200);
      expect(updated.body).toEqual(CONFIG);
      expect(Object.keys(updated.body)[2]).toBe("ENABLE_TITLE_GENERATION");
      const { TASK_MODEL, ...incomplete } = CONFIG;
      expect((await req("POST", "/api/v1/tasks/config/update", w.admin.token, incomplete)).status).toBe(422);
      const reopened = await openTestApp(w.t.database, {});
      try {
        expect(reopened.ctx.config.get("TASK_MODEL_EXTERNAL")).toBe("gpt-small");
        expect(reopened.ctx.config.get("AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH")).toBe(10);
      } finally {
        await reopened.close();
      }
    });

    test("title: the external task model, our template, a token limit; the raw completion back", async () => {
      await publishModel(w, "gpt-small", { access_control: { read: { group_ids: [], user_ids: [w.user.id] } } });
      const res = await req("POST", "/api/v1/tasks/title/completions", w.user.token, { model: "gpt-fake", messages, chat_id: "c1" });
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content).toBe('{"title": "🧪 Test chat"}');
      const sent = lastChat();
      expect(sent.model).toBe("gpt-small");
      expect(sent.stream).toBe(false);
      expect(sent.max_tokens).toBe(1000);
      expect(sent.messages[0].content).toContain("USER: How do plants grow?\nASSISTANT: With light.");
      expect(sent.metadata).toBeUndefined();
    });

    test("tags use the admin's template; follow-ups, image prompt, queries, emoji, moa", async () => {
      await req("POST", "/api/v1/tasks/tags/completions", w.user.token, { model: "gpt-fake", messages });
      expect(lastChat().messages[0].content).toBe("Tags for: ASSISTANT: With light.");
      for (const path of ["follow_up", "image_prompt"]) {
        const res = await req("POST", `/api/v1/tasks/${path}/completions`, w.user.token, { model: "gpt-fake", messages });
        expect(res.status).toBe(200);
      }
      const disabled = await req("POST", "/api/v1/tasks/queries/completions", w.user.token, { model: "gpt-fake", messages, type: "web_search" });
      expect([disabled.status, disabled.body.detail]).toEqual([400, "Search query generation is disabled"]);
      const retrieval = await req("POST", "/api/v1/tasks/queries/completions", w.user.token, { model: "gpt-fake", messages, type: "retrieval" });
      expect(retrieval.status).toBe(200);
      const emoji = await req("POST", "/api/v1/tasks/emoji/completions", w.user.token, { model: "gpt-fake", prompt: "I won!" });
      expect(emoji.status).toBe(200);
      expect(lastChat().max_tokens).toBe(4);
      expect(lastChat().messages[0].content).toContain("I won!");
      const moa = await req("POST", "/api/v1/tasks/moa/completions", w.user.token, { model: "gpt-fake", prompt: "Q?", responses: ["A1", "A2"], stream: true });
      expect(moa.headers.get("content-type")).toBe("text/event-stream");
      const sent = lastChat();
      expect([sent.model, sent.stream]).toEqual(["gpt-fake", true]);
      expect(sent.messages[0].content).toContain('"""A1"""\n\n"""A2"""');
    });

    test("autocomplete: switched on, with a length limit", async () => {
      const long = await req("POST", "/api/v1/tasks/auto/completions", w.user.token, { model: "gpt-fake", prompt: "far too long a prompt" });
      expect([long.status, long.body.detail]).toEqual([400, "Input prompt exceeds maximum length of 10"]);
      const ok = await req("POST", "/api/v1/tasks/auto/completions", w.user.token, { model: "gpt-fake", prompt: "Top ten", type: "search query" });
      expect(ok.status).toBe(200);
      expect(lastChat().messages[0].content).toContain("<type>search query</type>\n<text>Top ten</text>");
    });

    test("switched off: 200 with a detail for title, follow-ups and tags", async () => {
      await w.t.ctx.config.set({ ENABLE_TITLE_GENERATION: false, ENABLE_FOLLOW_UP_GENERATION: false, ENABLE_TAGS_GENERATION: false, ENABLE_AUTOCOMPLETE_GENERATION: false });
      try {
        for (const [path, detail] of [
          ["title", "Title generation is disabled"],
          ["follow_up", "Follow-up generation is disabled"],
          ["tags", "Tags generation is disabled"],
        ]) {
          const res = await req("POST", `/api/v1/tasks/${path}/completions`, w.user.token, { model: "gpt-fake", messages });
          expect([res.status, res.body]).toEqual([200, { detail }]);
        }
        const auto = await req("POST", "/api/v1/tasks/auto/completions", w.user.token, { model: "gpt-fake", prompt: "x" });
        expect([auto.status, auto.body.detail]).toEqual([400, "Autocompletion generation is disabled"]);
      } finally {
        await w.t.ctx.config.set({ ENABLE_TITLE_GENERATION: true, ENABLE_FOLLOW_UP_GENERATION: true, ENABLE_TAGS_GENERATION: true });
      }
    });

    test("unknown model 404; a model the user may not use fails like the reference", async () => {
      const unknown = await req("POST", "/api/v1/tasks/title/completions", w.user.token, { model: "nope", messages });
      expect([unknown.status, unknown.body.detail]).toEqual([404, "Model not found"]);
      // gpt-small has no model row: the task model is not readable for a user.
      await w.t.ctx.config.set({ TASK_MODEL_EXTERNAL: "" });
      const hidden = await req("POST", "/api/v1/tasks/title/completions", w.other.token, { model: "gpt-small", messages });
      expect([hidden.status, hidden.body.detail]).toEqual([400, "An internal error has occurred."]);
      const emoji = await req("POST", "/api/v1/tasks/emoji/completions", w.other.token, { model: "gpt-small", prompt: "x" });
      expect([emoji.status, emoji.body.detail]).toEqual([400, "Model not found"]);
      const notJson = await req("POST", "/api/v1/tasks/title/completions", w.user.token, "[1]");
      expect(notJson.status).toBe(422);
    });
  });
}

describe("template placeholders", () => {
  const messages = [
    { role: "user", content: "one" },
    { role: "assistant", content: "two" },
    { role: "user", content: [{ type: "text", text: "three" }] },
  ];
  test("messages", () => {
    expect(fillMessages("{{MESSAGES}}", messages)).toBe("USER: one\nASSISTANT: two\nUSER: three");
    expect(fillMessages("{{MESSAGES:START:1}}|{{MESSAGES:END:1}}", messages)).toBe("USER: one|USER: three");
    expect(fillMessages("{{MESSAGES:MIDDLETRUNCATE:2}}", messages)).toBe("USER: one\nUSER: three");
  });
  test("prompt", () => {
    expect(fillPrompt("{{PROMPT}} {{prompt:start:3}} {{prompt:end:2}} {{prompt:middletruncate:4}}", "abcdefgh")).toBe("abcdefgh abc gh ab...gh");
  });
  test("user and date", () => {
    const now = new Date(2024, 2, 5, 14, 7, 9);
    const text = fillUserAndDate("{{USER_NAME}}|{{USER_BIO}}|{{USER_AGE}}|{{CURRENT_DATETIME}}|{{CURRENT_WEEKDAY}}|{{USER_LOCATION}}", {
      name: "Ann",
      bio: null,
      date_of_birth: "2000-03-06",
      info: { location: "Paris" },
    }, now);
    expect(text).toBe("Ann|None|23|2024-03-05 02:07:09 PM|Tuesday|Paris");
    expect(fillUserAndDate("{{USER_NAME}}", null, now)).toBe("Unknown");
  });
});
