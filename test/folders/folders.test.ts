// /api/v1/folders on both databases.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dialects } from "../support/databases";
import { chatWorld, createChat, createFolder, NOT_FOUND, PROHIBITED, type ChatWorld } from "../chats/helpers";

const FOLDER_KEYS = ["id", "parent_id", "user_id", "name", "items", "meta", "data", "is_expanded", "created_at", "updated_at"];
const LIST_KEYS = ["id", "name", "meta", "parent_id", "is_expanded", "created_at", "updated_at"];
const EXISTS = "[ERROR: Folder already exists]";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: ChatWorld;
    beforeAll(async () => {
      w = await chatWorld(dialect);
    });
    afterAll(() => w.close());

    test("create: a root folder, FolderModel shape; names are unique per level, case-insensitively", async () => {
      const res = await w.as("alice", "POST", "/api/v1/folders/", { name: "Research", meta: { icon: "📚" }, data: { system_prompt: "Be precise" } });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(FOLDER_KEYS);
      expect(res.body).toMatchObject({
        parent_id: null,
        user_id: w.ids.alice,
        name: "Research",
        items: null,
        meta: { icon: "📚" },
        data: { system_prompt: "Be precise" },
        is_expanded: false,
      });
      const dup = await w.as("alice", "POST", "/api/v1/folders/", { name: "research" });
      expect(dup.status).toBe(400);
      expect(dup.body).toEqual({ detail: EXISTS });
      expect((await w.as("bob", "POST", "/api/v1/folders/", { name: "Research" })).status).toBe(200);
      expect((await w.as("alice", "POST", "/api/v1/folders/", {})).status).toBe(422);
    });

    test("list: the sidebar shape, with meta reduced to the icon", async () => {
      const folder = await createFolder(w, "alice", "Listed");
      await w.as("alice", "POST", `/api/v1/folders/${folder.id}/update`, { meta: { icon: "x", color: "red" } });
      const list = (await w.as("alice", "GET", "/api/v1/folders/")).body as Record<string, unknown>[];
      const item = list.find((f) => f.id === folder.id)!;
      expect(Object.keys(item)).toEqual(LIST_KEYS);
      expect(item.meta).toEqual({ icon: "x" });
      expect(list.find((f) => f.name === "Research")!.meta).toEqual({ icon: "📚" });
      expect((await w.as("bob", "GET", "/api/v1/folders/")).body.every((f: { name: string }) => f.name !== "Listed")).toBe(true);
    });

    test("get, and 404 for unknown ids", async () => {
      const folder = await createFolder(w, "alice", "Gettable");
      expect((await w.as("alice", "GET", `/api/v1/folders/${folder.id}`)).body.name).toBe("Gettable");
      const missing = await w.as("alice", "GET", `/api/v1/folders/${crypto.randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: NOT_FOUND });
    });

    test("update: rename (clash refused, same name fine), data and meta merge", async () => {
      const a = await createFolder(w, "alice", "Alpha");
      await createFolder(w, "alice", "Beta");
      expect((await w.as("alice", "POST", `/api/v1/folders/${a.id}/update`, { name: "BETA" })).body).toEqual({ detail: EXISTS });
      expect((await w.as("alice", "POST", `/api/v1/folders/${a.id}/update`, { name: "alpha" })).body.name).toBe("alpha");
      await w.as("alice", "POST", `/api/v1/folders/${a.id}/update`, { data: { system_prompt: "one", files: [] } });
      const merged = await w.as("alice", "POST", `/api/v1/folders/${a.id}/update`, { data: { system_prompt: "two" }, meta: { icon: "i" } });
      expect(merged.body).toMatchObject({ name: "alpha", data: { system_prompt: "two", files: [] }, meta: { icon: "i" } });
      expect((await w.as("alice", "POST", `/api/v1/folders/${crypto.randomUUID()}/update`, { name: "x" })).status).toBe(404);
    });

    test("update/parent: move, back to root, clash, cycles and unknown parents refused", async () => {
      const top = await createFolder(w, "alice", "Top");
      const child = await createFolder(w, "alice", "Child");
      const moved = await w.as("alice", "POST", `/api/v1/folders/${child.id}/update/parent`, { parent_id: top.id });
      expect(moved.body.parent_id).toBe(top.id);
      const cycle = await w.as("alice", "POST", `/api/v1/folders/${top.id}/update/parent`, { parent_id: child.id });
      expect(cycle.status).toBe(400);
      expect((await w.as("alice", "POST", `/api/v1/folders/${top.id}/update/parent`, { parent_id: top.id })).status).toBe(400);
      expect((await w.as("alice", "POST", `/api/v1/folders/${top.id}/update/parent`, { parent_id: crypto.randomUUID() })).status).toBe(404);
      const root = await w.as("alice", "POST", `/api/v1/folders/${child.id}/update/parent`, {});
      expect(root.body.parent_id).toBeNull();
      const clash = await createFolder(w, "alice", "Clash");
      await w.as("alice", "POST", `/api/v1/folders/${clash.id}/update/parent`, { parent_id: top.id });
      const clash2 = await createFolder(w, "alice", "clash");
      expect((await w.as("alice", "POST", `/api/v1/folders/${clash2.id}/update/parent`, { parent_id: top.id })).body).toEqual({ detail: EXISTS });
    });

    test("update/expanded", async () => {
      const folder = await createFolder(w, "alice", "Expandable");
      const res = await w.as("alice", "POST", `/api/v1/folders/${folder.id}/update/expanded`, { is_expanded: true });
      expect(res.body.is_expanded).toBe(true);
      expect((await w.as("alice", "POST", `/api/v1/folders/${folder.id}/update/expanded`, {})).status).toBe(422);
    });

    test("delete: the folder, its subfolders, their chats and those chats' share links", async () => {
      const top = await createFolder(w, "alice", "Doomed");
      const sub = await createFolder(w, "alice", "Doomed child", top.id);
      const a = await createChat(w, "alice", "top chat", undefined, top.id);
      const b = await createChat(w, "alice", "sub chat", undefined, sub.id);
      const keep = await createChat(w, "alice", "root chat");
      const share = (await w.as("alice", "POST", `/api/v1/chats/${b.id}/share`)).body.id;
      expect((await w.as("alice", "DELETE", `/api/v1/folders/${top.id}`)).body).toBe(true);
      for (const id of [a.id, b.id]) expect((await w.as("alice", "GET", `/api/v1/chats/${id}`)).status).toBe(401);
      expect((await w.as("alice", "GET", `/api/v1/chats/${keep.id}`)).status).toBe(200);
      expect((await w.as("alice", "GET", `/api/v1/folders/${sub.id}`)).status).toBe(404);
      expect((await w.as("bob", "GET", `/api/v1/chats/share/${share}`)).status).toBe(401);
      expect((await w.as("alice", "DELETE", `/api/v1/folders/${top.id}`)).status).toBe(404);
    });

    test("delete of a folder holding chats needs chat.delete (403); empty folders do not", async () => {
      const world = await chatWorld(dialect, { USER_PERMISSIONS_CHAT_DELETE: "false" });
      try {
        const top = await createFolder(world, "alice", "Full");
        const sub = await createFolder(world, "alice", "Sub", top.id);
        await createChat(world, "alice", "kept", undefined, sub.id);
        const res = await world.as("alice", "DELETE", `/api/v1/folders/${top.id}`);
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ detail: PROHIBITED });
        const empty = await createFolder(world, "alice", "Empty");
        expect((await world.as("alice", "DELETE", `/api/v1/folders/${empty.id}`)).body).toBe(true);
        const adminFolder = await createFolder(world, "admin", "Admin's");
        await createChat(world, "admin", "x", undefined, adminFolder.id);
        expect((await world.as("admin", "DELETE", `/api/v1/folders/${adminFolder.id}`)).body).toBe(true);
      } finally {
        await world.close();
      }
    });

    test("listing drops project files the user can no longer read", async () => {
      const { file, knowledge } = w.t.ctx.db.t;
      const now = Math.floor(Date.now() / 1000);
      const fileRow = (id: string, userId: string) => ({ id, user_id: userId, filename: `${id}.txt`, meta: {}, data: {}, created_at: now, updated_at: now, path: null, hash: null, access_control: null });
      const kb = (id: string, userId: string, access: unknown) => ({ id, user_id: userId, name: id, description: "", data: {}, meta: {}, created_at: now, updated_at: now, access_control: access });
      await w.t.ctx.db.write(async (tx) => {
        await tx.insert(file).values([fileRow("own-file", w.ids.alice), fileRow("bobs-file", w.ids.bob)]);
        await tx.insert(knowledge).values([kb("public-kb", w.ids.bob, null), kb("private-kb", w.ids.bob, {}), kb("granted-kb", w.ids.bob, { read: { user_ids: [w.ids.alice], group_ids: [] } })]);
      });
      const folder = await createFolder(w, "alice", "Project");
      const files = [
        { type: "file", id: "own-file" },
        { type: "file", id: "bobs-file" },
        { type: "file", id: "deleted-file" },
        { type: "collection", id: "public-kb" },
        { type: "collection", id: "private-kb" },
        { type: "collection", id: "granted-kb" },
        { type: "web", id: "x" },
      ];
      await w.as("alice", "POST", `/api/v1/folders/${folder.id}/update`, { data: { files, system_prompt: "p" } });
      await w.as("alice", "GET", "/api/v1/folders/");
      const data = (await w.as("alice", "GET", `/api/v1/folders/${folder.id}`)).body.data;
      expect(data.system_prompt).toBe("p");
      expect(data.files.map((f: { id: string }) => f.id)).toEqual(["own-file", "public-kb", "granted-kb", "x"]);
    });
  });
}
