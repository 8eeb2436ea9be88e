// No lost update and no half-done change: a reply saved by the server and a save posted by the
// frontend at the same moment both survive, concurrent upserts all land, and a failing
// multi-row change leaves the data as it was.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { upsertChatMessage } from "../../src/chats/repository";
import { dialects } from "../support/databases";
import { chatDocument, chatWorld, createChat, createFolder, frontendSave, message, type ChatWorld } from "./helpers";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: ChatWorld;
    beforeAll(async () => {
      w = await chatWorld(dialect);
    });
    afterAll(() => w.close());

    const read = async (id: string) => (await w.as("alice", "GET", `/api/v1/chats/${id}`)).body;
    const target = (chatId: string, messageId: string) => ({ chatId, userId: w.ids.alice, messageId });

    test("a reply saved by the server and a frontend save at the same moment both survive", async () => {
      for (let round = 0; round < 8; round++) {
        const chat = await createChat(w, "alice", `race ${round}`, [message("u1", null, "question"), message("a1", "u1", "", { done: false })]);
        // The frontend still holds the placeholder, and adds a follow-up of its own.
        const stale = chatDocument("x", [
          message("u1", null, "question"),
          message("a1", "u1", "", { done: false }),
          message("u2", "a1", "my follow-up", { role: "user" }),
        ]);
        const save = () => w.as("alice", "POST", `/api/v1/chats/${chat.id}`, { chat: { ...frontendSave(stale).chat, params: { round } } });
        const reply = () => upsertChatMessage(w.t.ctx.db, target(chat.id, "a1"), { content: "the complete reply", done: true });
        const [first, second] = round % 2 === 0 ? [save, reply] : [reply, save];
        const results = await Promise.all([first(), second()]);
        expect(results.every(Boolean)).toBe(true);

        const stored = (await read(chat.id)).chat;
        expect(stored.history.messages.a1).toMatchObject({ content: "the complete reply", done: true });
        expect(stored.history.messages.u2.content).toBe("my follow-up");
        expect(stored.params).toEqual({ round });
        expect(stored.messages.map((m: { content: string }) => m.content)).toContain("the complete reply");
      }
    });

    test("a message the server adds while the frontend saves without it is kept", async () => {
      const chat = await createChat(w, "alice", "multi", [message("u1", null, "question"), message("a1", "u1", "model A")]);
      const [, saved] = await Promise.all([
        upsertChatMessage(w.t.ctx.db, target(chat.id, "b1"), { id: "b1", parentId: "u1", childrenIds: [], role: "assistant", content: "model B" }),
        w.as("alice", "POST", `/api/v1/chats/${chat.id}`, frontendSave(chatDocument("x", [message("u1", null, "question"), message("a1", "u1", "model A, edited")]))),
      ]);
      expect(saved.status).toBe(200);
      const stored = (await read(chat.id)).chat;
      expect(stored.history.messages.b1.content).toBe("model B");
      expect(stored.history.messages.a1.content).toBe("model A, edited");
      expect(stored.history.messages.u1.childrenIds.sort()).toEqual(["a1", "b1"]);
    });

    test("after the frontend has the reply, its edits and deletions are its own again", async () => {
      const chat = await createChat(w, "alice", "later", [message("u1", null, "q"), message("a1", "u1", "")]);
      await upsertChatMessage(w.t.ctx.db, target(chat.id, "a1"), { content: "reply" });
      const withReply = chatDocument("x", [message("u1", null, "q"), message("a1", "u1", "reply")]);
      await w.as("alice", "POST", `/api/v1/chats/${chat.id}`, frontendSave(withReply));
      expect((await read(chat.id)).meta).toEqual({});
      const withoutReply = chatDocument("x", [message("u1", null, "q")]);
      await w.as("alice", "POST", `/api/v1/chats/${chat.id}`, frontendSave(withoutReply));
      expect((await read(chat.id)).chat.history.messages.a1).toBeUndefined();
    });

    test("concurrent upserts of different messages all land", async () => {
      const chat = await createChat(w, "alice", "many", [message("u1", null, "q")]);
      const ids = Array.from({ length: 16 }, (_, i) => `r${i}`);
      await Promise.all(
        ids.map((id) => upsertChatMessage(w.t.ctx.db, target(chat.id, id), { id, parentId: "u1", childrenIds: [], role: "assistant", content: id })),
      );
      const stored = (await read(chat.id)).chat;
      for (const id of ids) expect(stored.history.messages[id].content).toBe(id);
      expect([...stored.history.messages.u1.childrenIds].sort()).toEqual([...ids].sort());
    });

    test("the upsert is owner-scoped: another user's chat is not touched", async () => {
      const chat = await createChat(w, "bob", "bob's");
      expect(await upsertChatMessage(w.t.ctx.db, target(chat.id, "a1"), { content: "hijack" })).toBeUndefined();
      const stored = (await w.as("bob", "GET", `/api/v1/chats/${chat.id}`)).body.chat;
      expect(stored.history.messages.a1.content).toBe("hi there");
    });

    test("a multi-row change that fails halfway leaves everything as it was", async () => {
      const folder = await createFolder(w, "alice", "Keep me");
      const chat = await createChat(w, "alice", "in folder", undefined, folder.id);
      const share = (await w.as("alice", "POST", `/api/v1/chats/${chat.id}/share`)).body.id;
      await w.t.ctx.db.execute(
        dialect === "postgres"
          ? `CREATE FUNCTION refuse_folder_delete() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER refuse_folder_delete BEFORE DELETE ON folder FOR EACH ROW EXECUTE FUNCTION refuse_folder_delete();`
          : "CREATE TRIGGER refuse_folder_delete BEFORE DELETE ON folder BEGIN SELECT RAISE(ABORT, 'refused'); END;",
      );
      try {
        const res = await w.as("alice", "DELETE", `/api/v1/folders/${folder.id}`);
        expect(res.status).toBe(500);
      } finally {
        await w.t.ctx.db.execute(
          dialect === "postgres"
            ? "DROP TRIGGER refuse_folder_delete ON folder; DROP FUNCTION refuse_folder_delete();"
            : "DROP TRIGGER refuse_folder_delete",
        );
      }
      expect((await read(chat.id)).folder_id).toBe(folder.id);
      expect((await w.as("bob", "GET", `/api/v1/chats/share/${share}`)).status).toBe(200);
      expect((await w.as("alice", "GET", `/api/v1/folders/${folder.id}`)).status).toBe(200);
    });

    test("an import whose tags cannot be written is not imported", async () => {
      await w.t.ctx.db.execute(
        dialect === "postgres"
          ? `CREATE FUNCTION refuse_tag() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER refuse_tag BEFORE INSERT ON tag FOR EACH ROW EXECUTE FUNCTION refuse_tag();`
          : "CREATE TRIGGER refuse_tag BEFORE INSERT ON tag BEGIN SELECT RAISE(ABORT, 'refused'); END;",
      );
      const before = (await w.as("alice", "GET", "/api/v1/chats/")).body.length;
      try {
        const res = await w.as("alice", "POST", "/api/v1/chats/import", { chat: { title: "with tags" }, meta: { tags: ["fresh_tag"] } });
        expect(res.status).toBe(500);
      } finally {
        await w.t.ctx.db.execute(
          dialect === "postgres" ? "DROP TRIGGER refuse_tag ON tag; DROP FUNCTION refuse_tag();" : "DROP TRIGGER refuse_tag",
        );
      }
      expect((await w.as("alice", "GET", "/api/v1/chats/")).body.length).toBe(before);
    });
  });
}
