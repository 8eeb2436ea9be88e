// A history generated here (hundreds of chats, one multi-megabyte chat): lists stay projections,
// search walks the documents in batches, and large documents go through the worker threads.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq, sql } from "drizzle-orm";
import { INLINE_LIMIT, workerJobs } from "../../src/chats/worker-pool";
import { upsertChatMessage } from "../../src/chats/repository";
import { dialects } from "../support/databases";
import { chatDocument, chatWorld, createFolder, frontendSave, message, type ChatWorld, type Message } from "./helpers";

const CHATS = 600;
const FILLER = "The quick brown fox jumps over the lazy dog while the cat watches. ";

function conversation(i: number, turns: number, size: number): Message[] {
  const messages: Message[] = [];
  let parent: string | null = null;
  for (let t = 0; t < turns; t++) {
    const id = `m${i}-${t}`;
    const words = FILLER.repeat(Math.ceil(size / FILLER.length)).slice(0, size);
    messages.push(message(id, parent, `${words} chat ${i} turn ${t}${i === 0 && t === 0 ? " zanzibar" : ""}`, { role: t % 2 ? "assistant" : "user" }));
    parent = id;
  }
  return messages;
}

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: ChatWorld;
    let ids: string[] = [];
    let folderId: string;

    beforeAll(async () => {
      w = await chatWorld(dialect);
      folderId = (await createFolder(w, "alice", "Archive box")).id;
      const { chat } = w.t.ctx.db.t;
      const rows = Array.from({ length: CHATS }, (_, i) => {
        const doc = chatDocument(`History ${i}`, conversation(i, 6, 2_000));
        return {
          id: crypto.randomUUID(),
          user_id: w.ids.alice,
          title: `History ${i}`,
          share_id: null,
          archived: i % 50 === 7,
          created_at: 1_600_000_000 + i,
          updated_at: 1_600_000_000 + i,
          chat: doc as unknown,
          pinned: i % 40 === 3,
          meta: { tags: i % 10 === 0 ? ["decade"] : [] },
          folder_id: i % 25 === 5 ? folderId : null,
        };
      });
      ids = rows.map((r) => r.id);
      await w.t.ctx.db.write(async (tx) => {
        for (let i = 0; i < rows.length; i += 100) await tx.insert(chat).values(rows.slice(i, i + 100));
      });
    });
    afterAll(() => w.close());

    const titles = (body: { title: string }[]) => body.map((c) => c.title);

    test("sidebar pages come newest first, without pinned, archived or folder chats", async () => {
      const started = performance.now();
      const page1 = (await w.as("alice", "GET", "/api/v1/chats/?page=1")).body;
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(page1).toHaveLength(60);
      expect(page1[0].title).toBe(`History ${CHATS - 1}`);
      const visible = (i: number) => !(i % 50 === 7 || i % 40 === 3 || i % 25 === 5);
      const expected = Array.from({ length: CHATS }, (_, i) => CHATS - 1 - i).filter(visible);
      const all: string[] = [];
      for (let page = 1; ; page++) {
        const body = (await w.as("alice", "GET", `/api/v1/chats/?page=${page}`)).body;
        if (body.length === 0) break;
        all.push(...titles(body));
      }
      expect(all).toEqual(expected.map((i) => `History ${i}`));
      expect((await w.as("alice", "GET", "/api/v1/chats/pinned")).body).toHaveLength(CHATS / 40);
      expect((await w.as("alice", "GET", `/api/v1/chats/folder/${folderId}/list?page=1`)).body).toHaveLength(CHATS / 25);
    });

    test("search finds a word in the oldest chat and pages a common one", async () => {
      expect(titles((await w.as("alice", "GET", "/api/v1/chats/search?text=zanzibar")).body)).toEqual(["History 0"]);
      const common = (await w.as("alice", "GET", "/api/v1/chats/search?text=lazy%20dog")).body;
      expect(common).toHaveLength(60);
      expect(common[0].title).toBe(`History ${CHATS - 1}`);
      const tagged = (await w.as("alice", "GET", "/api/v1/chats/search?text=tag:decade%20turn%205")).body;
      expect(tagged).toHaveLength(CHATS / 10);
    });

    if (dialect === "sqlite") {
      test("lists never parse documents: they work with every document unreadable", async () => {
        const { chat } = w.t.ctx.db.t;
        await w.t.ctx.db.write((tx) => tx.update(chat).set({ chat: sql`'{"broken'` as unknown }).where(eq(chat.user_id, w.ids.alice)));
        try {
          expect((await w.as("alice", "GET", "/api/v1/chats/?page=2")).body).toHaveLength(60);
          expect((await w.as("alice", "GET", "/api/v1/chats/pinned")).status).toBe(200);
          expect((await w.as("alice", "GET", "/api/v1/chats/archived")).status).toBe(200);
          expect((await w.as("alice", "GET", `/api/v1/chats/folder/${folderId}/list`)).status).toBe(200);
          expect((await w.as("alice", "POST", "/api/v1/chats/tags", { name: "decade" })).body).toHaveLength(CHATS / 10);
          expect((await w.as("alice", "GET", "/api/v1/chats/search?text=tag:decade")).body).toHaveLength(CHATS / 10);
          expect((await w.as("alice", "POST", `/api/v1/chats/${ids[1]}/pin`)).status).toBe(200);
          expect((await w.as("alice", "POST", `/api/v1/chats/${ids[1]}/folder`, { folder_id: folderId })).status).toBe(200);
        } finally {
          await w.t.ctx.db.write((tx) => tx.update(chat).set({ chat: {} }).where(eq(chat.user_id, w.ids.alice)));
        }
      });
    }

    test("a multi-megabyte chat opens, saves and takes server replies through the workers", async () => {
      const jobsBefore = workerJobs();
      const turns = conversation(9_999, 400, 8_000);
      const doc = chatDocument("Huge", turns);
      const created = await w.as("alice", "POST", "/api/v1/chats/new", { chat: doc });
      expect(created.status).toBe(200);
      expect(JSON.stringify(doc).length).toBeGreaterThan(4 * INLINE_LIMIT);
      const id = created.body.id;

      const last = turns.at(-1)!.id;
      const reply = upsertChatMessage(w.t.ctx.db, { chatId: id, userId: w.ids.alice, messageId: "reply" }, {
        id: "reply",
        parentId: last,
        childrenIds: [],
        role: "assistant",
        content: "the server's reply",
      });
      const edited = chatDocument("Huge", [...turns.slice(0, -1), { ...turns.at(-1)!, content: "edited last turn" }]);
      const save = w.as("alice", "POST", `/api/v1/chats/${id}`, frontendSave(edited));
      const small = w.as("alice", "GET", "/api/v1/chats/?page=1");
      const [saved, , list] = await Promise.all([save, reply, small]);
      expect(saved.status).toBe(200);
      expect(list.status).toBe(200);

      const opened = (await w.as("alice", "GET", `/api/v1/chats/${id}`)).body;
      expect(opened.title).toBe("Huge");
      expect(Object.keys(opened.chat.history.messages)).toHaveLength(401);
      expect(opened.chat.history.messages.reply.content).toBe("the server's reply");
      expect(opened.chat.history.messages[last].content).toBe("edited last turn");
      expect(opened.chat.history.messages[last].childrenIds).toEqual(["reply"]);
      const copy = await w.as("alice", "POST", `/api/v1/chats/${id}/clone`, {});
      expect(copy.body.chat.history.messages.reply.content).toBe("the server's reply");
      // create, save, reply and clone each ran in a worker thread.
      expect(workerJobs() - jobsBefore).toBeGreaterThanOrEqual(4);

      // Row changes of a large chat (on SQLite each rewrites the document) work the same way.
      expect((await w.as("alice", "POST", `/api/v1/chats/${id}/pin`)).body.pinned).toBe(true);
      expect((await w.as("alice", "POST", `/api/v1/chats/${id}/tags`, { name: "Big One" })).body[0].id).toBe("big_one");
      expect((await w.as("alice", "POST", `/api/v1/chats/${id}/folder`, { folder_id: folderId })).body).toMatchObject({ folder_id: folderId, pinned: false });
      const shared = await w.as("alice", "POST", `/api/v1/chats/${id}/share`);
      expect(Object.keys(shared.body.chat.history.messages)).toHaveLength(401);
      expect((await w.as("bob", "GET", `/api/v1/chats/share/${shared.body.id}`)).body.title).toBe("Huge");
      expect((await w.as("alice", "DELETE", `/api/v1/chats/${id}/share`)).body).toBe(true);
      expect((await w.as("alice", "POST", `/api/v1/chats/${id}/archive`)).body.archived).toBe(true);
      expect((await w.as("alice", "POST", `/api/v1/chats/${id}/archive`)).body.archived).toBe(false);
      expect((await w.as("alice", "DELETE", `/api/v1/chats/${id}/tags/all`)).body).toBe(true);
      expect((await w.as("alice", "GET", `/api/v1/chats/${id}`)).body).toMatchObject({ meta: {}, folder_id: folderId, share_id: null });
    });
  });
}
