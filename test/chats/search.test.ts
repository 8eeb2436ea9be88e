// GET /api/v1/chats/search: words in titles and messages, and the filter tokens.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { dialects } from "../support/databases";
import { chatWorld, createChat, createFolder, message, type ChatWorld } from "./helpers";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: ChatWorld;
    const ids: Record<string, string> = {};
    const search = async (text: string, page?: number) => {
      const res = await w.as("alice", "GET", `/api/v1/chats/search?text=${encodeURIComponent(text)}${page ? `&page=${page}` : ""}`);
      expect(res.status).toBe(200);
      return (res.body as { id: string }[]).map((c) => Object.keys(ids).find((k) => ids[k] === c.id) ?? c.id);
    };

    beforeAll(async () => {
      w = await chatWorld(dialect);
      const work = await createFolder(w, "alice", "Work Projects");
      const sub = await createFolder(w, "alice", "Sub", work.id);
      const chat = async (name: string, title: string, content: string, folderId: string | null = null) => {
        ids[name] = (await createChat(w, "alice", title, [message("u1", null, content), message("a1", "u1", `answer to ${name}`)], folderId)).id;
      };
      await chat("recipe", "Dinner ideas", "How do I make a Crème Brûlée?");
      await chat("quote", "Quoting", 'He said "hello" and 50% off_sale \\ backslash');
      await chat("budget", "Q3 budget", "Spreadsheet formulas please", work.id);
      await chat("deep", "Deep", "nested folder chat", sub.id);
      await chat("pinned", "Pinned one", "remember the milk");
      await chat("archived", "Old stuff", "remember the eggs");
      await chat("shared", "Shared thing", "public info");
      await w.as("alice", "POST", `/api/v1/chats/${ids.pinned}/pin`);
      await w.as("alice", "POST", `/api/v1/chats/${ids.archived}/archive`);
      await w.as("alice", "POST", `/api/v1/chats/${ids.shared}/share`);
      await w.as("alice", "POST", `/api/v1/chats/${ids.recipe}/tags`, { name: "Food" });
      await w.as("alice", "POST", `/api/v1/chats/${ids.recipe}/tags`, { name: "Favorites" });
      await w.as("alice", "POST", `/api/v1/chats/${ids.pinned}/tags`, { name: "Food" });
      await createChat(w, "bob", "Dinner for bob", [message("u1", null, "Crème Brûlée")]);
      // Give every chat its own updated_at, in creation order.
      const { chat: table } = w.t.ctx.db.t;
      await w.t.ctx.db.write(async (tx) => {
        for (const [i, id] of Object.values(ids).entries()) await tx.update(table).set({ updated_at: 1_700_000_000 + i }).where(eq(table.id, id));
      });
    });
    afterAll(() => w.close());

    test("words match titles and message text, case-insensitively, newest first", async () => {
      expect(await search("dinner")).toEqual(["recipe"]);
      expect(await search("SPREADSHEET")).toEqual(["budget"]);
      expect(await search("remember the")).toEqual(["pinned"]);
      expect(await search("answer to")).toEqual(["shared", "pinned", "deep", "budget", "quote", "recipe"]);
      expect(await search("crème brûlée")).toEqual(["recipe"]);
      expect(await search("nothing like this")).toEqual([]);
    });

    test("text JSON escapes is found too, and % and _ keep their LIKE meaning", async () => {
      expect(await search('"hello"')).toEqual(["quote"]);
      expect(await search("\\ backslash")).toEqual(["quote"]);
      expect(await search("50% off")).toEqual(["quote"]);
      expect(await search("off_sale")).toEqual(["quote"]);
      expect(await search("d_nner")).toEqual(["recipe"]);
    });

    test("tag: filters need every tag; tag:none means untagged", async () => {
      expect(await search("tag:food")).toEqual(["pinned", "recipe"]);
      expect(await search("tag:food tag:favorites")).toEqual(["recipe"]);
      expect(await search("tag:food milk")).toEqual(["pinned"]);
      expect(await search("tag:none")).toEqual(["shared", "deep", "budget", "quote"]);
    });

    test("folder: matches a folder by name (spaces, underscores and case ignored) and its subfolders", async () => {
      expect(await search("folder:work_projects")).toEqual(["deep", "budget"]);
      expect(await search("folder:WORK_PROJECTS nested")).toEqual(["deep"]);
      expect(await search("folder:sub")).toEqual(["deep"]);
      expect(await search("folder:no_such_folder")).toEqual([]);
    });

    test("pinned:, archived: and shared: flags", async () => {
      expect(await search("pinned:true")).toEqual(["pinned"]);
      expect(await search("pinned:false").then((r) => r.includes("pinned"))).toBe(false);
      expect(await search("archived:true")).toEqual(["archived"]);
      expect(await search("archived:true eggs")).toEqual(["archived"]);
      expect(await search("eggs")).toEqual([]);
      expect(await search("shared:true")).toEqual(["shared"]);
      expect((await search("shared:false")).includes("shared")).toBe(false);
    });

    test("empty text lists all active chats; the text parameter is required", async () => {
      expect(await search("   ")).toEqual(["shared", "pinned", "deep", "budget", "quote", "recipe"]);
      expect((await w.as("alice", "GET", "/api/v1/chats/search")).status).toBe(422);
    });

    test("a first-page search for a single tag nobody carries deletes that tag", async () => {
      await w.as("alice", "POST", `/api/v1/chats/${ids.quote}/tags`, { name: "Temp" });
      await w.as("alice", "DELETE", `/api/v1/chats/${ids.quote}/tags`, { name: "Temp" });
      const { tag } = w.t.ctx.db.t;
      await w.t.ctx.db.write((tx) => tx.insert(tag).values({ id: "stale", name: "Stale", user_id: w.ids.alice, meta: null }));
      expect(await search("tag:stale")).toEqual([]);
      const tags = (await w.as("alice", "GET", "/api/v1/chats/all/tags")).body.map((t: { id: string }) => t.id);
      expect(tags).not.toContain("stale");
      expect(tags).toContain("food");
    });

    test("pages of 60, stopping early when the page is full", async () => {
      const { world, close } = await fresh(dialect);
      try {
        for (let i = 0; i < 70; i++) await createChat(world, "alice", `note ${i}`, [message("u1", null, i % 2 ? "common word" : "other")]);
        const page = async (n: number) =>
          (await world.as("alice", "GET", `/api/v1/chats/search?text=common&page=${n}`)).body as { title: string }[];
        expect((await page(1)).length).toBe(35);
        const all = await world.as("alice", "GET", "/api/v1/chats/search?text=note");
        expect(all.body).toHaveLength(60);
        expect((await world.as("alice", "GET", "/api/v1/chats/search?text=note&page=2")).body).toHaveLength(10);
        expect(await page(2)).toEqual([]);
      } finally {
        await close();
      }
    });
  });
}

async function fresh(dialect: (typeof dialects)[number]) {
  const world = await chatWorld(dialect);
  return { world, close: () => world.close() };
}
