// Models mentioned in a channel message answer in its thread, on both databases: the answer is a
// message with meta.model_id, posted empty and then filled in (channel-events `message`,
// `message:reply`, `message:update`); a poster without access to the model and a message without
// a mention call no model.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dialects } from "../support/databases";
import { insertChannel } from "../support/workspace";
import { publishModel, startWorld, type World } from "../fakes/world";
import { extractMentions, replaceMentions } from "../../src/channels/model-replies";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("mentions: kind and id of each, and the text with their labels", () => {
  const text = "hi <@M:gpt-fake|GPT Fake> and <@U:abc|Ann>, <@M:llama3:latest>";
  expect(extractMentions(text)).toEqual([
    { id_type: "M", id: "gpt-fake" },
    { id_type: "U", id: "abc" },
    { id_type: "M", id: "llama3:latest" },
  ]);
  expect(replaceMentions(text)).toBe("hi GPT Fake and Ann, llama3:latest");
});

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let channel: string;
    const events: any[] = [];

    const base = () => `/api/v1/channels/${channel}/messages`;
    const post = async (token: string, body: Record<string, unknown>) => {
      const res = await w.t.request("POST", `${base()}/post`, { token, body });
      expect(res.status).toBe(200);
      return res.body;
    };
    const thread = async (id: string) => (await w.t.request("GET", `${base()}/${id}/thread`, { token: w.admin.token })).body as any[];
    const completions = () => w.openai.requests.filter((r) => r.path === "/v1/chat/completions");
    /** The thread once a model's answer in it has its text. */
    const answered = async (id: string, count = 1) => {
      for (let i = 0; i < 100; i++) {
        const rows = await thread(id);
        if (rows.filter((m) => m.meta?.model_id && m.meta?.done).length >= count) return rows;
        await sleep(50);
      }
      throw new Error("no answer from the model");
    };

    beforeAll(async () => {
      w = await startWorld(dialect, {
        openai: {
          models: [{ id: "gpt-fake" }, { id: "gpt-secret" }],
          reply: (body) => [`Answer to: ${body.messages.at(-1).content}`],
        },
      });
      await publishModel(w, "gpt-fake", { name: "Fakey" });
      channel = (await insertChannel(w.t, { user_id: w.admin.id, name: "open", access_control: null })).id;
      const toRoom = w.t.ctx.emit.toRoom.bind(w.t.ctx.emit);
      w.t.ctx.emit.toRoom = (room, event, payload) => {
        if (event === "channel-events") events.push(payload);
        toRoom(room, event, payload);
      };
    }, 30_000);
    afterAll(async () => w.close(), 30_000);

    test("a mentioned model answers in the message's thread", async () => {
      const before = completions().length;
      const message = await post(w.user.token, { content: "<@M:gpt-fake|Fakey> how are you?" });
      const rows = await answered(message.id);
      expect(rows.map((m) => m.content)).toEqual(["Answer to: Ann: Fakey how are you?", "<@M:gpt-fake|Fakey> how are you?"]);
      const answer = rows[0];
      expect(answer).toMatchObject({
        parent_id: message.id,
        user_id: w.user.id,
        meta: { model_id: "gpt-fake", model_name: "Fakey", done: true },
        data: {},
      });

      const calls = completions().slice(before);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.body).toMatchObject({
        model: "gpt-fake",
        stream: false,
        messages: [
          {
            role: "system",
            content:
              "You are Fakey, participating in a threaded conversation. Be concise and conversational.Here's the thread history:\n\nAnn: Fakey how are you?\n\nContinue the conversation naturally as Fakey, addressing the most recent message while being aware of the full context.",
          },
          { role: "user", content: "Ann: Fakey how are you?" },
        ],
      });

      const about = events.filter((e) => e.message_id === answer.id || (e.message_id === message.id && e.data.type === "message:reply"));
      expect(about.map((e) => e.data.type)).toEqual(["message", "message:reply", "message:update"]);
      expect(about[0].data.data).toMatchObject({ content: "", parent_id: message.id, meta: { model_id: "gpt-fake" } });
      expect(about[2].data.data).toMatchObject({ content: answer.content, meta: { model_id: "gpt-fake", done: true } });
      expect(about[2].user).toMatchObject({ id: w.user.id, name: "Ann" });
    });

    test("in a thread the history is the thread's; replying to a model's message asks it again", async () => {
      const root = await post(w.user.token, { content: "plans for friday?" });
      await post(w.other.token, { content: "pizza", parent_id: root.id });
      const first = await post(w.user.token, { content: "<@M:gpt-fake|Fakey> agree?", parent_id: root.id });
      const rows = await answered(root.id);
      const answer = rows.find((m) => m.meta?.model_id)!;
      expect(answer.parent_id).toBe(root.id);
      const system = completions().at(-1)!.body.messages[0].content as string;
      expect(system).toContain("history:\n\nAnn: plans for friday?Bob: pizzaAnn: Fakey agree?\n\n");

      const before = completions().length;
      await post(w.other.token, { content: "why?", parent_id: root.id, reply_to_id: answer.id });
      const again = await answered(root.id, 2);
      expect(completions().length).toBe(before + 1);
      expect(completions().at(-1)!.body.messages[0].content).toContain("Fakey: Answer to: Ann: Fakey agree?");
      expect(again.filter((m) => m.meta?.model_id === "gpt-fake").map((m) => m.content)).toEqual([
        "Answer to: Bob: why?",
        "Answer to: Ann: Fakey agree?",
      ]);
      expect(first.parent_id).toBe(root.id);
    });

    test("a model the poster may not use and a message without a mention call no model", async () => {
      const before = completions().length;
      const denied = await post(w.user.token, { content: "<@M:gpt-secret|Secret> hello" });
      const unknown = await post(w.user.token, { content: "<@M:no-such-model|Nope> hello" });
      const plain = await post(w.user.token, { content: "just talking about gpt-fake" });
      const person = await post(w.user.token, { content: `<@U:${w.other.id}|Bob> hi` });
      await sleep(500);
      expect(completions().length).toBe(before);
      for (const message of [denied, unknown, plain, person]) expect(await thread(message.id)).toHaveLength(1);

      // The admin may use every model (admins bypass model access by default).
      const allowed = await post(w.admin.token, { content: "<@M:gpt-secret|Secret> hello" });
      const rows = await answered(allowed.id);
      expect(rows[0]).toMatchObject({ content: "Answer to: Admin: Secret hello", meta: { model_id: "gpt-secret", model_name: "gpt-secret" } });
    });
  });
}
