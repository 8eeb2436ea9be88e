// Importing chats exported by the 0.6.32 frontend (Settings > Data Controls > Export Chats, made on
// the Python backend), the way DataControls.svelte posts them, and exporting them again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import exported from "../fixtures/chats/export-0.6.32.json";
import { dialects } from "../support/databases";
import { chatWorld, type ChatWorld } from "./helpers";

type Exported = (typeof exported)[number];

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: ChatWorld;
    beforeAll(async () => {
      w = await chatWorld(dialect);
    });
    afterAll(() => w.close());

    /** importChats() in DataControls.svelte: pinned false, no folder, timestamps kept. */
    const importLikeTheFrontend = (item: Exported) =>
      w.as("alice", "POST", "/api/v1/chats/import", {
        chat: item.chat,
        meta: item.meta ?? {},
        pinned: false,
        folder_id: null,
        created_at: item.created_at ?? null,
        updated_at: item.updated_at ?? null,
      });

    test("every exported chat imports with its document, title, tags and timestamps", async () => {
      for (const item of exported) {
        const res = await importLikeTheFrontend(item);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          user_id: w.ids.alice,
          title: item.title,
          chat: item.chat,
          meta: item.meta,
          created_at: item.created_at,
          updated_at: item.updated_at,
          pinned: false,
          folder_id: null,
          share_id: null,
          archived: false,
        });
        expect(res.body.id).not.toBe(item.id);
      }
      const tags = (await w.as("alice", "GET", "/api/v1/chats/all/tags")).body;
      expect(tags).toEqual(
        expect.arrayContaining([
          { id: "food", name: "Food", user_id: w.ids.alice, meta: null },
          { id: "local_places", name: "Local Places", user_id: w.ids.alice, meta: null },
        ]),
      );
    });

    test("the imported chat opens, lists, searches and continues like any other", async () => {
      const list = (await w.as("alice", "GET", "/api/v1/chats/?page=1")).body as { id: string; title: string }[];
      const cafe = list.find((c) => c.title === "Café hours ☕")!;
      expect(cafe).toBeDefined();
      const opened = (await w.as("alice", "GET", `/api/v1/chats/${cafe.id}`)).body;
      const original = exported.find((c) => c.title === "Café hours ☕")!;
      expect(opened.chat).toEqual(original.chat);
      expect((await w.as("alice", "GET", `/api/v1/chats/${cafe.id}/tags`)).body.map((t: { id: string }) => t.id).sort()).toEqual([
        "food",
        "local_places",
      ]);
      const hits = (await w.as("alice", "GET", `/api/v1/chats/search?text=${encodeURIComponent("6 pm")}`)).body;
      expect(hits.map((c: { id: string }) => c.id)).toEqual([cafe.id]);
      expect((await w.as("alice", "GET", "/api/v1/chats/search?text=tag:local_places")).body).toHaveLength(1);
      const branch = await w.as("alice", "POST", `/api/v1/chats/${cafe.id}/clone`, { title: "Branch" });
      expect(branch.body.chat.branchPointMessageId).toBe(original.chat.history.currentId);
    });

    test("exporting again gives back what was imported", async () => {
      const again = (await w.as("alice", "GET", "/api/v1/chats/all")).body as Exported[];
      for (const item of exported) {
        const match = again.find((c) => c.title === item.title && c.created_at === item.created_at)!;
        expect(match.chat).toEqual(item.chat);
        expect(match.meta).toEqual(item.meta);
        expect(Object.keys(match)).toEqual(Object.keys(item));
      }
    });

    test("the legacy export form (bare chat documents) imports as the frontend sends it", async () => {
      const legacy = exported[1]!.chat;
      const res = await w.as("alice", "POST", "/api/v1/chats/import", { chat: legacy, meta: {}, pinned: false, folder_id: null });
      expect(res.status).toBe(200);
      expect(res.body.title).toBe(legacy.title);
    });
  });
}
