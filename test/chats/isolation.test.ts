// Every chat and folder route: who may call it (anonymous, pending, user, admin), and every route
// that takes an id, called by another user on someone else's chat, folder or share: refused (or
// empty) and nothing changes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dialects } from "../support/databases";
import { chatWorld, createChat, createFolder, NOT_FOUND, PROHIBITED, type Caller, type ChatWorld } from "./helpers";

interface Route {
  method: string;
  path: string;
  body?: unknown;
  level: "verified" | "admin";
}

const ID = "00000000-0000-4000-8000-000000000000";

/** All 36 chat routes and 7 folder routes, with a harmless body. */
const ROUTES: Route[] = [
  { method: "GET", path: "/api/v1/chats/", level: "verified" },
  { method: "GET", path: "/api/v1/chats/list", level: "verified" },
  { method: "DELETE", path: "/api/v1/chats/", level: "verified" },
  { method: "GET", path: `/api/v1/chats/list/user/${ID}`, level: "admin" },
  { method: "POST", path: "/api/v1/chats/new", body: { chat: {} }, level: "verified" },
  { method: "POST", path: "/api/v1/chats/import", body: { chat: {} }, level: "verified" },
  { method: "GET", path: "/api/v1/chats/search?text=x", level: "verified" },
  { method: "GET", path: `/api/v1/chats/folder/${ID}`, level: "verified" },
  { method: "GET", path: `/api/v1/chats/folder/${ID}/list`, level: "verified" },
  { method: "GET", path: "/api/v1/chats/pinned", level: "verified" },
  { method: "GET", path: "/api/v1/chats/all", level: "verified" },
  { method: "GET", path: "/api/v1/chats/all/archived", level: "verified" },
  { method: "GET", path: "/api/v1/chats/all/tags", level: "verified" },
  { method: "GET", path: "/api/v1/chats/all/db", level: "admin" },
  { method: "GET", path: "/api/v1/chats/archived", level: "verified" },
  { method: "POST", path: "/api/v1/chats/archive/all", level: "verified" },
  { method: "POST", path: "/api/v1/chats/unarchive/all", level: "verified" },
  { method: "GET", path: `/api/v1/chats/share/${ID}`, level: "verified" },
  { method: "POST", path: "/api/v1/chats/tags", body: { name: "x" }, level: "verified" },
  { method: "GET", path: `/api/v1/chats/${ID}`, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}`, body: { chat: {} }, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/messages/m`, body: { content: "x" }, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/messages/m/event`, body: { type: "x", data: {} }, level: "verified" },
  { method: "DELETE", path: `/api/v1/chats/${ID}`, level: "verified" },
  { method: "GET", path: `/api/v1/chats/${ID}/pinned`, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/pin`, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/clone`, body: {}, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/clone/shared`, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/archive`, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/share`, level: "verified" },
  { method: "DELETE", path: `/api/v1/chats/${ID}/share`, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/folder`, body: { folder_id: null }, level: "verified" },
  { method: "GET", path: `/api/v1/chats/${ID}/tags`, level: "verified" },
  { method: "POST", path: `/api/v1/chats/${ID}/tags`, body: { name: "x" }, level: "verified" },
  { method: "DELETE", path: `/api/v1/chats/${ID}/tags`, body: { name: "x" }, level: "verified" },
  { method: "DELETE", path: `/api/v1/chats/${ID}/tags/all`, level: "verified" },
  { method: "GET", path: "/api/v1/folders/", level: "verified" },
  { method: "POST", path: "/api/v1/folders/", body: { name: `n-${ID}` }, level: "verified" },
  { method: "GET", path: `/api/v1/folders/${ID}`, level: "verified" },
  { method: "POST", path: `/api/v1/folders/${ID}/update`, body: { name: "x" }, level: "verified" },
  { method: "POST", path: `/api/v1/folders/${ID}/update/parent`, body: { parent_id: null }, level: "verified" },
  { method: "POST", path: `/api/v1/folders/${ID}/update/expanded`, body: { is_expanded: true }, level: "verified" },
  { method: "DELETE", path: `/api/v1/folders/${ID}`, level: "verified" },
];

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: ChatWorld;
    beforeAll(async () => {
      w = await chatWorld(dialect);
    });
    afterAll(() => w.close());

    test("there are 36 chat routes and 7 folder routes", () => {
      expect(ROUTES.filter((r) => r.path.startsWith("/api/v1/chats")).length).toBe(36);
      expect(ROUTES.filter((r) => r.path.startsWith("/api/v1/folders")).length).toBe(7);
    });

    test("anonymous callers get 401 Not authenticated everywhere", async () => {
      for (const route of ROUTES) {
        const res = await w.as("anonymous", route.method, route.path, route.body);
        expect([route.path, res.status, res.body]).toEqual([route.path, 401, { detail: "Not authenticated" }]);
      }
    });

    test("pending accounts get 401 ACCESS_PROHIBITED everywhere", async () => {
      for (const route of ROUTES) {
        const res = await w.as("pending", route.method, route.path, route.body);
        expect([route.path, res.status, res.body]).toEqual([route.path, 401, { detail: PROHIBITED }]);
      }
    });

    test("users are refused the admin routes and reach the others", async () => {
      for (const route of ROUTES) {
        const res = await w.as("bob", route.method, route.path, route.body);
        if (route.level === "admin") expect([route.path, res.status, res.body]).toEqual([route.path, 401, { detail: PROHIBITED }]);
        else expect([route.path, res.status]).not.toEqual([route.path, 500]);
        expect(res.body?.detail).not.toBe("Not authenticated");
      }
      for (const route of ROUTES.filter((r) => r.level === "admin")) {
        expect((await w.as("admin", route.method, route.path, route.body)).status).toBe(200);
      }
    });

    describe("another user's objects", () => {
      let chatId: string;
      let folderId: string;
      let shareLessChat: string;
      let snapshot: () => Promise<unknown>;

      beforeAll(async () => {
        const folder = await createFolder(w, "alice", "Alice's folder");
        folderId = folder.id;
        const chat = await createChat(w, "alice", "Alice's chat", undefined, folderId);
        chatId = chat.id;
        await w.as("alice", "POST", `/api/v1/chats/${chatId}/tags`, { name: "secret" });
        await w.as("alice", "POST", `/api/v1/chats/${chatId}/share`);
        shareLessChat = (await createChat(w, "alice", "Not shared")).id;
        snapshot = async () => ({
          chat: (await w.as("alice", "GET", `/api/v1/chats/${chatId}`)).body,
          other: (await w.as("alice", "GET", `/api/v1/chats/${shareLessChat}`)).body,
          tags: (await w.as("alice", "GET", "/api/v1/chats/all/tags")).body,
          folders: (await w.as("alice", "GET", "/api/v1/folders/")).body,
          folder: (await w.as("alice", "GET", `/api/v1/folders/${folderId}`)).body,
        });
      });

      const attempts = (): [string, string, unknown, number[]][] => [
        ["GET", `/api/v1/chats/${chatId}`, undefined, [401]],
        ["POST", `/api/v1/chats/${chatId}`, { chat: { title: "pwned", history: { messages: {} } } }, [401]],
        ["POST", `/api/v1/chats/${chatId}/messages/a1`, { content: "pwned" }, [401]],
        ["POST", `/api/v1/chats/${chatId}/messages/a1/event`, { type: "replace", data: { content: "pwned" } }, [401]],
        ["DELETE", `/api/v1/chats/${chatId}`, undefined, [401]],
        ["GET", `/api/v1/chats/${chatId}/pinned`, undefined, [401]],
        ["POST", `/api/v1/chats/${chatId}/pin`, undefined, [401]],
        ["POST", `/api/v1/chats/${chatId}/clone`, { title: "mine now" }, [401]],
        ["POST", `/api/v1/chats/${shareLessChat}/clone/shared`, undefined, [401]],
        ["GET", `/api/v1/chats/share/${shareLessChat}`, undefined, [401]],
        ["POST", `/api/v1/chats/${chatId}/archive`, undefined, [401]],
        ["POST", `/api/v1/chats/${chatId}/share`, undefined, [401]],
        ["DELETE", `/api/v1/chats/${chatId}/share`, undefined, [401]],
        ["POST", `/api/v1/chats/${chatId}/folder`, { folder_id: null }, [401]],
        ["GET", `/api/v1/chats/${chatId}/tags`, undefined, [401]],
        ["POST", `/api/v1/chats/${chatId}/tags`, { name: "pwned" }, [401]],
        ["DELETE", `/api/v1/chats/${chatId}/tags`, { name: "secret" }, [401]],
        ["DELETE", `/api/v1/chats/${chatId}/tags/all`, undefined, [401]],
        ["GET", `/api/v1/folders/${folderId}`, undefined, [404]],
        ["POST", `/api/v1/folders/${folderId}/update`, { name: "pwned", data: { system_prompt: "pwned" } }, [404]],
        ["POST", `/api/v1/folders/${folderId}/update/parent`, { parent_id: null }, [404]],
        ["POST", `/api/v1/folders/${folderId}/update/expanded`, { is_expanded: true }, [404]],
        ["DELETE", `/api/v1/folders/${folderId}`, undefined, [404]],
      ];

      test("every id-taking route refuses another user and changes nothing", async () => {
        const before = await snapshot();
        for (const [method, path, body, statuses] of attempts()) {
          const res = await w.as("bob", method, path, body);
          expect([method, path, statuses.includes(res.status)]).toEqual([method, path, true]);
          expect(typeof res.body.detail).toBe("string");
        }
        expect(await snapshot()).toEqual(before);
      });

      test("lists keyed by another user's folder or tag come back empty and change nothing", async () => {
        const before = await snapshot();
        expect((await w.as("bob", "GET", `/api/v1/chats/folder/${folderId}`)).body).toEqual([]);
        expect((await w.as("bob", "GET", `/api/v1/chats/folder/${folderId}/list`)).body).toEqual([]);
        expect((await w.as("bob", "POST", "/api/v1/chats/tags", { name: "secret" })).body).toEqual([]);
        expect((await w.as("bob", "GET", "/api/v1/chats/search?text=tag:secret")).body).toEqual([]);
        expect((await w.as("bob", "GET", "/api/v1/chats/search?text=alice")).body).toEqual([]);
        expect((await w.as("bob", "GET", "/api/v1/chats/search?text=folder:alice's_folder")).body).toEqual([]);
        const bobs = (await w.as("bob", "GET", "/api/v1/chats/all")).body as { user_id: string }[];
        expect(bobs.every((chat) => chat.user_id === w.ids.bob)).toBe(true);
        expect((await w.as("bob", "DELETE", "/api/v1/chats/")).body).toBe(true);
        expect((await w.as("bob", "POST", "/api/v1/chats/archive/all")).body).toBe(true);
        expect(await snapshot()).toEqual(before);
      });

      test("ids, owners and parents in bodies are ignored: no planting into another account", async () => {
        const before = await snapshot();
        const planted = await w.as("bob", "POST", "/api/v1/folders/", {
          name: "planted",
          user_id: w.ids.alice,
          id: folderId,
          parent_id: folderId,
          is_expanded: true,
        });
        expect(planted.body).toMatchObject({ user_id: w.ids.bob, parent_id: null, is_expanded: false });
        expect(planted.body.id).not.toBe(folderId);
        const chat = await w.as("bob", "POST", "/api/v1/chats/new", { chat: {}, folder_id: folderId, user_id: w.ids.alice, id: chatId });
        expect(chat.body).toMatchObject({ user_id: w.ids.bob, folder_id: null });
        const imported = await w.as("bob", "POST", "/api/v1/chats/import", { chat: {}, folder_id: folderId, user_id: w.ids.alice });
        expect(imported.body).toMatchObject({ user_id: w.ids.bob, folder_id: null });
        const mine = await createFolder(w, "bob", "bob's own");
        const moved = await w.as("bob", "POST", `/api/v1/folders/${mine.id}/update/parent`, { parent_id: folderId });
        expect(moved.status).toBe(404);
        const own = await createChat(w, "bob");
        expect((await w.as("bob", "POST", `/api/v1/chats/${own.id}/folder`, { folder_id: folderId })).status).toBe(404);
        expect(await snapshot()).toEqual(before);
      });

      test("a shared chat is readable by others but only through its share id", async () => {
        const shareId = ((await snapshot()) as { chat: { share_id: string } }).chat.share_id;
        const res = await w.as("bob", "GET", `/api/v1/chats/share/${shareId}`);
        expect(res.status).toBe(200);
        expect(res.body.user_id).toBe(`shared-${chatId}`);
        expect((await w.as("bob", "GET", `/api/v1/chats/share/${chatId}`)).body).toEqual({ detail: NOT_FOUND });
        // The snapshot row is not a chat anyone can change through the chat routes.
        for (const caller of ["bob", "alice"] as Caller[]) {
          expect((await w.as(caller, "POST", `/api/v1/chats/${shareId}`, { chat: { title: "x" } })).status).toBe(401);
          expect((await w.as(caller, "DELETE", `/api/v1/chats/${shareId}`)).status).toBe(401);
        }
      });
    });
  });
}
