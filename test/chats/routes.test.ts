// /api/v1/chats route by route, on both databases: shapes, side effects and error strings.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dialects } from "../support/databases";
import {
  CHAT_KEYS,
  chatDocument,
  chatWorld,
  createChat,
  createFolder,
  DEFAULT,
  frontendSave,
  message,
  NOT_FOUND,
  PROHIBITED,
  TITLE_KEYS,
  type ChatWorld,
} from "./helpers";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: ChatWorld;
    beforeAll(async () => {
      w = await chatWorld(dialect);
    });
    afterAll(() => w.close());

    test("create returns ChatResponse; title defaults to New Chat; any chat.id sent is ignored", async () => {
      const res = await w.as("alice", "POST", "/api/v1/chats/new", { chat: { id: "client-id", models: ["m"] }, folder_id: null });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(CHAT_KEYS);
      expect(res.body).toMatchObject({
        user_id: w.ids.alice,
        title: "New Chat",
        chat: { id: "client-id", models: ["m"] },
        share_id: null,
        archived: false,
        pinned: false,
        meta: {},
        folder_id: null,
      });
      expect(res.body.id).not.toBe("client-id");
      expect(res.body.created_at).toBe(res.body.updated_at);
    });

    test("create validates the body (422) and refuses a non-string title (400)", async () => {
      const missing = await w.as("alice", "POST", "/api/v1/chats/new", {});
      expect(missing.status).toBe(422);
      expect(missing.body.detail[0]).toMatchObject({ type: "missing", loc: ["body", "chat"], msg: "Field required" });
      expect((await w.as("alice", "POST", "/api/v1/chats/new", { chat: "x" })).status).toBe(422);
      expect((await w.as("alice", "POST", "/api/v1/chats/new", "not json")).status).toBe(422);
      const badTitle = await w.as("alice", "POST", "/api/v1/chats/new", { chat: { title: null } });
      expect(badTitle.status).toBe(400);
      expect(badTitle.body).toEqual({ detail: DEFAULT });
    });

    test("create in another user's folder lands at the root", async () => {
      const folder = await createFolder(w, "bob", `bob-folder-${crypto.randomUUID()}`);
      const chat = await createChat(w, "alice", "Planted", undefined, folder.id);
      expect(chat.folder_id).toBeNull();
      const own = await createFolder(w, "alice", `alice-folder-${crypto.randomUUID()}`);
      expect((await createChat(w, "alice", "In folder", undefined, own.id)).folder_id).toBe(own.id);
    });

    test("get returns the stored document unchanged, also when Python wrote it", async () => {
      const chat = await createChat(w, "alice", "Doc");
      const res = await w.as("alice", "GET", `/api/v1/chats/${chat.id}`);
      expect(res.body).toEqual(chat);
      // Python's json.dumps layout: spaces after separators, non-ASCII escaped.
      const { chat: table } = w.t.ctx.db.t;
      const pythonText = '{"title": "Caf\\u00e9", "history": {"currentId": null, "messages": {}}, "messages": [{"role": "user", "content": "Cr\\u00e8me br\\u00fbl\\u00e9e"}]}';
      const { sql, eq } = await import("drizzle-orm");
      const value = w.t.ctx.db.dialect === "postgres" ? sql`${pythonText}::json` : sql`${pythonText}`;
      await w.t.ctx.db.write((tx) => tx.update(table).set({ chat: value as unknown }).where(eq(table.id, chat.id)));
      const read = await w.as("alice", "GET", `/api/v1/chats/${chat.id}`);
      expect(read.body.chat.title).toBe("Café");
      const search = await w.as("alice", "GET", `/api/v1/chats/search?text=${encodeURIComponent("brûlée")}`);
      expect(search.body.map((c: { id: string }) => c.id)).toContain(chat.id);
    });

    test("save merges like Open WebUI, recomputes the title column, bumps updated_at", async () => {
      const chat = await createChat(w, "alice", "Before");
      const doc = chatDocument("ignored", [message("u1", null, "q"), message("a1", "u1", "answer"), message("u2", "a1", "more")]);
      const saved = await w.as("alice", "POST", `/api/v1/chats/${chat.id}`, frontendSave(doc));
      expect(saved.status).toBe(200);
      expect(saved.body.title).toBe("Before");
      expect(saved.body.chat.history).toEqual(doc.history);
      expect(saved.body.chat.models).toEqual(["gpt-4o"]);
      expect(saved.body.chat.timestamp).toBe(1_761_800_000_000);
      const renamed = await w.as("alice", "POST", `/api/v1/chats/${chat.id}`, { chat: { title: "After" }, folder_id: "ignored" });
      expect(renamed.body).toMatchObject({ title: "After", folder_id: null });
      expect(renamed.body.chat.history).toEqual(doc.history);
      const list = await w.as("alice", "GET", "/api/v1/chats/?page=1");
      expect(list.body.find((c: { id: string }) => c.id === chat.id).title).toBe("After");
    });

    test("save of an unknown chat is 401 ACCESS_PROHIBITED; bad bodies are 422", async () => {
      const res = await w.as("alice", "POST", `/api/v1/chats/${crypto.randomUUID()}`, { chat: {} });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: PROHIBITED });
      const chat = await createChat(w, "alice");
      expect((await w.as("alice", "POST", `/api/v1/chats/${chat.id}`, { nochat: 1 })).status).toBe(422);
    });

    test("list pages by 60, newest first, hides pinned, archived and folder chats", async () => {
      const { world, close } = await freshWorld(dialect);
      try {
        const ids: string[] = [];
        for (let i = 0; i < 62; i++) ids.push((await createChat(world, "alice", `c${i}`)).id);
        // Spread updated_at so the order is defined.
        const { chat: table } = world.t.ctx.db.t;
        const { eq } = await import("drizzle-orm");
        await world.t.ctx.db.write(async (tx) => {
          for (const [i, id] of ids.entries()) await tx.update(table).set({ updated_at: 1_700_000_000 + i }).where(eq(table.id, id));
        });
        const page1 = await world.as("alice", "GET", "/api/v1/chats/?page=1");
        expect(page1.body).toHaveLength(60);
        expect(Object.keys(page1.body[0])).toEqual(TITLE_KEYS);
        expect(page1.body[0].id).toBe(ids[61]);
        expect((await world.as("alice", "GET", "/api/v1/chats/list?page=2")).body.map((c: { id: string }) => c.id)).toEqual([ids[1], ids[0]]);
        expect((await world.as("alice", "GET", "/api/v1/chats/?page=3")).body).toEqual([]);
        expect((await world.as("alice", "GET", "/api/v1/chats/")).body).toHaveLength(62);
        expect((await world.as("alice", "GET", "/api/v1/chats/?page=0")).body).toHaveLength(60);
        expect((await world.as("alice", "GET", "/api/v1/chats/?page=x")).status).toBe(422);

        await world.as("alice", "POST", `/api/v1/chats/${ids[61]}/pin`);
        await world.as("alice", "POST", `/api/v1/chats/${ids[60]}/archive`);
        const folder = await createFolder(world, "alice", "F");
        await world.as("alice", "POST", `/api/v1/chats/${ids[59]}/folder`, { folder_id: folder.id });
        const all = (await world.as("alice", "GET", "/api/v1/chats/")).body.map((c: { id: string }) => c.id);
        expect(all).toHaveLength(59);
        expect(all).not.toContain(ids[61]);
        const withFolders = (await world.as("alice", "GET", "/api/v1/chats/?include_folders=true")).body.map((c: { id: string }) => c.id);
        expect(withFolders).toContain(ids[59]);
        expect((await world.as("alice", "GET", "/api/v1/chats/pinned")).body.map((c: { id: string }) => c.id)).toEqual([ids[61]]);
        expect((await world.as("bob", "GET", "/api/v1/chats/")).body).toEqual([]);
      } finally {
        await close();
      }
    });

    test("pin toggles (and reads back), bumping updated_at", async () => {
      const chat = await createChat(w, "alice");
      expect((await w.as("alice", "GET", `/api/v1/chats/${chat.id}/pinned`)).body).toBe(false);
      const pinned = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/pin`);
      expect(Object.keys(pinned.body)).toEqual(CHAT_KEYS);
      expect(pinned.body.pinned).toBe(true);
      expect((await w.as("alice", "GET", `/api/v1/chats/${chat.id}/pinned`)).body).toBe(true);
      expect((await w.as("alice", "POST", `/api/v1/chats/${chat.id}/pin`)).body.pinned).toBe(false);
    });

    test("archive toggles; archived list, filters and sort; archive all and unarchive all", async () => {
      const { world, close } = await freshWorld(dialect);
      try {
        const a = await createChat(world, "alice", "Alpha");
        const b = await createChat(world, "alice", "Beta");
        expect((await world.as("alice", "POST", `/api/v1/chats/${a.id}/archive`)).body.archived).toBe(true);
        expect((await world.as("alice", "GET", "/api/v1/chats/archived")).body.map((c: { id: string }) => c.id)).toEqual([a.id]);
        expect((await world.as("alice", "GET", "/api/v1/chats/all/archived")).body.map((c: { id: string }) => c.id)).toEqual([a.id]);
        expect((await world.as("alice", "POST", "/api/v1/chats/archive/all")).body).toBe(true);
        const sorted = await world.as("alice", "GET", "/api/v1/chats/archived?order_by=title&direction=desc");
        expect(sorted.body.map((c: { title: string }) => c.title)).toEqual(["Beta", "Alpha"]);
        const filtered = await world.as("alice", "GET", "/api/v1/chats/archived?query=ALP");
        expect(filtered.body.map((c: { id: string }) => c.id)).toEqual([a.id]);
        expect((await world.as("alice", "GET", "/api/v1/chats/archived?order_by=nope&direction=asc")).status).toBe(400);
        expect((await world.as("alice", "GET", "/api/v1/chats/archived?order_by=title&direction=up")).body).toEqual({
          detail: "[ERROR: Invalid direction for ordering]",
        });
        expect((await world.as("alice", "GET", "/api/v1/chats/")).body).toEqual([]);
        expect((await world.as("alice", "POST", "/api/v1/chats/unarchive/all")).body).toBe(true);
        expect((await world.as("alice", "GET", "/api/v1/chats/")).body).toHaveLength(2);
        expect(b.id).toBeDefined();
      } finally {
        await close();
      }
    });

    test("tags: add (creating the tag), list, none refused, remove, remove all, prune unused", async () => {
      const { world, close } = await freshWorld(dialect);
      try {
        const a = await createChat(world, "alice", "A");
        const b = await createChat(world, "alice", "B");
        const added = await world.as("alice", "POST", `/api/v1/chats/${a.id}/tags`, { name: "Work Stuff" });
        expect(added.body).toEqual([{ id: "work_stuff", name: "Work Stuff", user_id: world.ids.alice, meta: null }]);
        await world.as("alice", "POST", `/api/v1/chats/${a.id}/tags`, { name: "work stuff" });
        await world.as("alice", "POST", `/api/v1/chats/${b.id}/tags`, { name: "Work Stuff" });
        await world.as("alice", "POST", `/api/v1/chats/${b.id}/tags`, { name: "Other" });
        expect((await world.as("alice", "GET", `/api/v1/chats/${a.id}`)).body.meta).toEqual({ tags: ["work_stuff"] });
        expect((await world.as("alice", "GET", `/api/v1/chats/${b.id}/tags`)).body.map((t: { id: string }) => t.id).sort()).toEqual([
          "other",
          "work_stuff",
        ]);
        const none = await world.as("alice", "POST", `/api/v1/chats/${a.id}/tags`, { name: "None" });
        expect(none.status).toBe(400);
        expect(none.body).toEqual({ detail: "[ERROR: Tag name cannot be 'None'" + "]" });
        const byTag = await world.as("alice", "POST", "/api/v1/chats/tags", { name: "Work Stuff" });
        expect(byTag.body.map((c: { id: string }) => c.id).sort()).toEqual([a.id, b.id].sort());
        expect(Object.keys(byTag.body[0])).toEqual(TITLE_KEYS);

        const removed = await world.as("alice", "DELETE", `/api/v1/chats/${a.id}/tags`, { name: "Work Stuff" });
        expect(removed.body).toEqual([]);
        expect((await world.as("alice", "GET", "/api/v1/chats/all/tags")).body.map((t: { id: string }) => t.id).sort()).toEqual([
          "other",
          "work_stuff",
        ]);
        expect((await world.as("alice", "DELETE", `/api/v1/chats/${b.id}/tags/all`)).body).toBe(true);
        expect((await world.as("alice", "GET", "/api/v1/chats/all/tags")).body).toEqual([]);

        // A tag nothing carries disappears when listed by name.
        await world.as("alice", "POST", `/api/v1/chats/${a.id}/tags`, { name: "Gone" });
        await world.as("alice", "POST", `/api/v1/chats/${a.id}/archive`);
        expect((await world.as("alice", "GET", "/api/v1/chats/all/tags")).body).toEqual([]);
        await world.as("alice", "POST", `/api/v1/chats/${a.id}/archive`);
        expect((await world.as("alice", "GET", "/api/v1/chats/all/tags")).body).toEqual([
          { id: "gone", name: "gone", user_id: world.ids.alice, meta: null },
        ]);
        expect((await world.as("alice", "POST", "/api/v1/chats/tags", { name: "nothing" })).body).toEqual([]);
      } finally {
        await close();
      }
    });

    test("delete removes the chat, its share snapshot and tags nothing else uses", async () => {
      const chat = await createChat(w, "alice", "Doomed");
      await w.as("alice", "POST", `/api/v1/chats/${chat.id}/tags`, { name: "doomed-only" });
      const share = (await w.as("alice", "POST", `/api/v1/chats/${chat.id}/share`)).body.id;
      expect((await w.as("alice", "DELETE", `/api/v1/chats/${chat.id}`)).body).toBe(true);
      expect((await w.as("alice", "GET", `/api/v1/chats/${chat.id}`)).status).toBe(401);
      expect((await w.as("bob", "GET", `/api/v1/chats/share/${share}`)).status).toBe(401);
      const tags = (await w.as("alice", "GET", "/api/v1/chats/all/tags")).body.map((t: { id: string }) => t.id);
      expect(tags).not.toContain("doomed-only");
      const again = await w.as("alice", "DELETE", `/api/v1/chats/${chat.id}`);
      expect(again.status).toBe(401);
      expect(again.body).toEqual({ detail: NOT_FOUND });
    });

    test("delete needs chat.delete for users (401), delete all likewise", async () => {
      const { world, close } = await freshWorld(dialect, { USER_PERMISSIONS_CHAT_DELETE: "false" });
      try {
        const chat = await createChat(world, "alice");
        expect((await world.as("alice", "DELETE", `/api/v1/chats/${chat.id}`)).body).toEqual({ detail: PROHIBITED });
        expect((await world.as("alice", "DELETE", "/api/v1/chats/")).status).toBe(401);
        const own = await createChat(world, "admin");
        expect((await world.as("admin", "DELETE", `/api/v1/chats/${own.id}`)).body).toBe(true);
        // A group can grant it back.
        const { group } = world.t.ctx.db.t;
        await world.t.ctx.db.write((tx) =>
          tx.insert(group).values({
            id: crypto.randomUUID(),
            user_id: world.ids.admin,
            name: "deleters",
            description: "",
            permissions: { chat: { delete: true } },
            user_ids: [world.ids.alice],
            created_at: 1,
            updated_at: 1,
          }),
        );
        expect((await world.as("alice", "DELETE", `/api/v1/chats/${chat.id}`)).body).toBe(true);
      } finally {
        await close();
      }
    });

    test("delete all removes only the caller's chats and their snapshots", async () => {
      const { world, close } = await freshWorld(dialect);
      try {
        const mine = await createChat(world, "alice");
        const share = (await world.as("alice", "POST", `/api/v1/chats/${mine.id}/share`)).body.id;
        const theirs = await createChat(world, "bob");
        expect((await world.as("alice", "DELETE", "/api/v1/chats/")).body).toBe(true);
        expect((await world.as("alice", "GET", "/api/v1/chats/")).body).toEqual([]);
        expect((await world.as("bob", "GET", `/api/v1/chats/share/${share}`)).status).toBe(401);
        expect((await world.as("bob", "GET", `/api/v1/chats/${theirs.id}`)).status).toBe(200);
      } finally {
        await close();
      }
    });

    test("clone copies the document with its origin; default title; clone of a folder chat stays in the folder", async () => {
      const folder = await createFolder(w, "alice", `clone-folder-${crypto.randomUUID()}`);
      const chat = await createChat(w, "alice", "Orig", undefined, folder.id);
      await w.as("alice", "POST", `/api/v1/chats/${chat.id}/tags`, { name: "kept" });
      const clone = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/clone`, { title: "Copy" });
      expect(clone.body).toMatchObject({ title: "Copy", folder_id: folder.id, meta: { tags: ["kept"] }, user_id: w.ids.alice });
      expect(clone.body.chat).toMatchObject({ originalChatId: chat.id, branchPointMessageId: "a1", title: "Copy" });
      expect(clone.body.id).not.toBe(chat.id);
      const untitled = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/clone`, {});
      expect(untitled.body.title).toBe("Clone of Orig");
      expect((await w.as("alice", "POST", `/api/v1/chats/${chat.id}/clone`)).status).toBe(422);
    });

    test("share creates a snapshot, refresh updates it, others read and clone it, unshare removes it", async () => {
      const chat = await createChat(w, "alice", "Shared");
      const shared = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/share`);
      expect(shared.body).toMatchObject({ user_id: `shared-${chat.id}`, title: "Shared", share_id: null, archived: false });
      expect(shared.body.id).not.toBe(chat.id);
      expect((await w.as("alice", "GET", `/api/v1/chats/${chat.id}`)).body.share_id).toBe(shared.body.id);

      await w.as("alice", "POST", `/api/v1/chats/${chat.id}`, { chat: { title: "Shared v2" } });
      const refreshed = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/share`);
      expect(refreshed.body.id).toBe(shared.body.id);
      expect(refreshed.body.chat.title).toBe("Shared v2");

      const seen = await w.as("bob", "GET", `/api/v1/chats/share/${shared.body.id}`);
      expect(seen.body).toMatchObject({ id: shared.body.id, title: "Shared v2" });
      expect((await w.as("bob", "GET", `/api/v1/chats/share/${chat.id}`)).body).toEqual({ detail: NOT_FOUND });
      const cloned = await w.as("bob", "POST", `/api/v1/chats/${shared.body.id}/clone/shared`);
      expect(cloned.body).toMatchObject({ user_id: w.ids.bob, title: "Clone of Shared v2" });
      expect(cloned.body.chat.originalChatId).toBe(shared.body.id);
      expect((await w.as("bob", "POST", `/api/v1/chats/${chat.id}/clone/shared`)).body).toEqual({ detail: DEFAULT });

      expect((await w.as("alice", "DELETE", `/api/v1/chats/${chat.id}/share`)).body).toBe(true);
      expect((await w.as("alice", "DELETE", `/api/v1/chats/${chat.id}/share`)).body).toBe(false);
      expect((await w.as("bob", "GET", `/api/v1/chats/share/${shared.body.id}`)).status).toBe(401);
      expect((await w.as("alice", "GET", `/api/v1/chats/${chat.id}`)).body.share_id).toBeNull();
    });

    test("share needs chat.share for users", async () => {
      const { world, close } = await freshWorld(dialect, { USER_PERMISSIONS_CHAT_SHARE: "false" });
      try {
        const chat = await createChat(world, "alice");
        expect((await world.as("alice", "POST", `/api/v1/chats/${chat.id}/share`)).body).toEqual({ detail: PROHIBITED });
        const own = await createChat(world, "admin");
        expect((await world.as("admin", "POST", `/api/v1/chats/${own.id}/share`)).status).toBe(200);
      } finally {
        await close();
      }
    });

    test("move to folder unpins and bumps; null moves to the root; an unknown folder is 404", async () => {
      const folder = await createFolder(w, "alice", `move-${crypto.randomUUID()}`);
      const chat = await createChat(w, "alice");
      await w.as("alice", "POST", `/api/v1/chats/${chat.id}/pin`);
      const moved = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/folder`, { folder_id: folder.id });
      expect(moved.body).toMatchObject({ folder_id: folder.id, pinned: false });
      const list = await w.as("alice", "GET", `/api/v1/chats/folder/${folder.id}/list?page=1`);
      expect(list.body).toEqual([{ title: "Chat", id: chat.id, updated_at: moved.body.updated_at }]);
      expect((await w.as("alice", "POST", `/api/v1/chats/${chat.id}/folder`, { folder_id: null })).body.folder_id).toBeNull();
      const bobFolder = await createFolder(w, "bob", `bobs-${crypto.randomUUID()}`);
      const refused = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/folder`, { folder_id: bobFolder.id });
      expect(refused.status).toBe(404);
      expect((await w.as("alice", "GET", `/api/v1/chats/${chat.id}`)).body.folder_id).toBeNull();
    });

    test("folder chats: the full chats of a folder tree, without pinned or archived ones", async () => {
      const top = await createFolder(w, "alice", `top-${crypto.randomUUID()}`);
      const sub = await createFolder(w, "alice", "sub", top.id);
      const a = await createChat(w, "alice", "in top", undefined, top.id);
      const b = await createChat(w, "alice", "in sub", undefined, sub.id);
      const c = await createChat(w, "alice", "archived", undefined, sub.id);
      await w.as("alice", "POST", `/api/v1/chats/${c.id}/archive`);
      const res = await w.as("alice", "GET", `/api/v1/chats/folder/${top.id}`);
      expect(res.body.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id].sort());
      expect(Object.keys(res.body[0])).toEqual(CHAT_KEYS);
      expect((await w.as("bob", "GET", `/api/v1/chats/folder/${top.id}`)).body).toEqual([]);
      expect((await w.as("bob", "GET", `/api/v1/chats/folder/${top.id}/list`)).body).toEqual([]);
    });

    test("export all streams every chat of the caller, archived included", async () => {
      const { world, close } = await freshWorld(dialect);
      try {
        const ids: string[] = [];
        for (let i = 0; i < 45; i++) ids.push((await createChat(world, "alice", `e${i}`)).id);
        await world.as("alice", "POST", `/api/v1/chats/${ids[0]}/archive`);
        await createChat(world, "bob");
        const all = await world.as("alice", "GET", "/api/v1/chats/all");
        expect(all.status).toBe(200);
        expect(all.body.map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());
        expect(all.body[0].chat.history).toBeDefined();
        const db = await world.as("admin", "GET", "/api/v1/chats/all/db");
        expect(db.body).toHaveLength(46);
        expect((await world.as("bob", "GET", "/api/v1/chats/all/archived")).body).toEqual([]);
      } finally {
        await close();
      }
    });

    test("admin export and admin access follow ENABLE_ADMIN_EXPORT and ENABLE_ADMIN_CHAT_ACCESS", async () => {
      const { world, close } = await freshWorld(dialect, { ENABLE_ADMIN_EXPORT: "false", ENABLE_ADMIN_CHAT_ACCESS: "false" });
      try {
        const chat = await createChat(world, "alice");
        expect((await world.as("admin", "GET", "/api/v1/chats/all/db")).body).toEqual({ detail: PROHIBITED });
        expect((await world.as("admin", "GET", `/api/v1/chats/list/user/${world.ids.alice}`)).body).toEqual({ detail: PROHIBITED });
        expect((await world.as("admin", "GET", `/api/v1/chats/share/${chat.id}`)).status).toBe(401);
        expect((await world.as("admin", "DELETE", `/api/v1/chats/${chat.id}`)).status).toBe(401);
        expect((await world.as("admin", "POST", `/api/v1/chats/${chat.id}/messages/a1`, { content: "x" })).status).toBe(401);
        expect((await world.as("alice", "GET", `/api/v1/chats/${chat.id}`)).body.chat.history.messages.a1.content).toBe("hi there");
      } finally {
        await close();
      }
    });

    test("with admin chat access an admin lists, reads, edits and deletes a user's chats", async () => {
      const chat = await createChat(w, "bob", "Bob's");
      const list = await w.as("admin", "GET", `/api/v1/chats/list/user/${w.ids.bob}?page=1&query=bob&order_by=updated_at&direction=desc`);
      expect(list.body.map((c: { id: string }) => c.id)).toContain(chat.id);
      expect((await w.as("admin", "GET", `/api/v1/chats/share/${chat.id}`)).body.id).toBe(chat.id);
      const edited = await w.as("admin", "POST", `/api/v1/chats/${chat.id}/messages/a1`, { content: "moderated" });
      expect(edited.body.user_id).toBe(w.ids.bob);
      expect(edited.body.chat.history.messages.a1.content).toBe("moderated");
      const cloned = await w.as("admin", "POST", `/api/v1/chats/${chat.id}/clone/shared`);
      expect(cloned.body.user_id).toBe(w.ids.admin);
      expect((await w.as("admin", "DELETE", `/api/v1/chats/${chat.id}`)).body).toBe(true);
      expect((await w.as("bob", "GET", `/api/v1/chats/${chat.id}`)).status).toBe(401);
    });

    test("message update and message events write into the chat", async () => {
      const chat = await createChat(w, "alice");
      const updated = await w.as("alice", "POST", `/api/v1/chats/${chat.id}/messages/a1`, { content: "new text" });
      expect(Object.keys(updated.body)).toEqual(CHAT_KEYS);
      expect(updated.body.chat.history.messages.a1.content).toBe("new text");
      expect(updated.body.chat.messages[1].content).toBe("new text");
      const events = [
        { type: "status", data: { description: "Searching", done: false } },
        { type: "message", data: { content: " more" } },
        { type: "source", data: { source: { name: "doc" } } },
        { type: "embeds", data: { embeds: ["<iframe>"] } },
        { type: "unknown", data: {} },
      ];
      for (const event of events) {
        expect((await w.as("alice", "POST", `/api/v1/chats/${chat.id}/messages/a1/event`, event)).body).toBe(true);
      }
      const after = (await w.as("alice", "GET", `/api/v1/chats/${chat.id}`)).body.chat.history.messages.a1;
      expect(after).toMatchObject({
        content: "new text more",
        statusHistory: [{ description: "Searching", done: false }],
        sources: [{ source: { name: "doc" } }],
        embeds: ["<iframe>"],
      });
      expect((await w.as("alice", "POST", `/api/v1/chats/${chat.id}/messages/a1/event`, { type: "status" })).status).toBe(422);
    });

    test("import keeps the given fields and re-creates its tags", async () => {
      const doc = chatDocument("Imported", [message("u1", null, "old question"), message("a1", "u1", "old answer")]);
      const res = await w.as("alice", "POST", "/api/v1/chats/import", {
        chat: doc,
        meta: { tags: ["road_trip", "none"] },
        pinned: true,
        folder_id: null,
        created_at: 1_600_000_000,
        updated_at: 1_600_000_100,
      });
      expect(res.body).toMatchObject({ title: "Imported", pinned: true, created_at: 1_600_000_000, updated_at: 1_600_000_100 });
      expect(res.body.meta).toEqual({ tags: ["road_trip", "none"] });
      const tags = (await w.as("alice", "GET", "/api/v1/chats/all/tags")).body;
      expect(tags).toContainEqual({ id: "road_trip", name: "Road Trip", user_id: w.ids.alice, meta: null });
      expect(tags.map((t: { id: string }) => t.id)).not.toContain("none");
      const now = await w.as("alice", "POST", "/api/v1/chats/import", { chat: doc, created_at: null });
      expect(Math.abs(now.body.created_at - Date.now() / 1000)).toBeLessThan(100);
      expect(now.body.pinned).toBe(false);
    });
  });
}

async function freshWorld(dialect: (typeof dialects)[number], env: Record<string, string> = {}) {
  const world = await chatWorld(dialect, env);
  return { world, close: () => world.close() };
}
