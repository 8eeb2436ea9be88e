// /api/v1/evaluations on both databases: the rating flow of the frontend (create, then update
// with tags), the lists and export of the admin's Evaluations page, each user's own feedback
// only (others get 404 and nothing changes), the arena settings saved in the config table.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApp, startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";

/** What ResponseMessage.svelte sends when a reply is rated. */
function ratingOf(rating: number, chatId = "chat-1", extra: Record<string, unknown> = {}) {
  return {
    type: "rating",
    data: { rating, model_id: "gpt-test", ...extra },
    meta: { arena: false, model_id: "gpt-test", message_id: "m-2", message_index: 2, chat_id: chatId, base_models: { "gpt-test": null } },
    snapshot: { chat: { id: chatId, title: "A chat", chat: { history: { messages: {} } } } },
  };
}

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let openai: FakeOpenAI;
    let admin: Account;
    let alice: Account;
    let bob: Account;

    const create = (who: Account, body: unknown) => t.request("POST", "/api/v1/evaluations/feedback", { token: who.token, body });
    const get = (who: Account, id: string) => t.request("GET", `/api/v1/evaluations/feedback/${id}`, { token: who.token });
    const update = (who: Account, id: string, body: unknown) =>
      t.request("POST", `/api/v1/evaluations/feedback/${id}`, { token: who.token, body });
    const remove = (who: Account, id: string) => t.request("DELETE", `/api/v1/evaluations/feedback/${id}`, { token: who.token });
    const mine = async (who: Account) => (await t.request("GET", "/api/v1/evaluations/feedbacks/user", { token: who.token })).body;
    const stored = async (id: string) => {
      const [row] = await t.ctx.db.execute(
        `SELECT CAST(data AS TEXT) AS data, CAST(meta AS TEXT) AS meta, CAST(snapshot AS TEXT) AS snapshot, updated_at FROM feedback WHERE id = '${id}'`,
      );
      return row;
    };

    beforeAll(async () => {
      // One upstream model: the model list (and its arena entries) is empty without any.
      openai = startFakeOpenAI();
      t = await startTestApp(dialect, { OPENAI_API_BASE_URLS: openai.url, OPENAI_API_KEYS: "sk-upstream", ENABLE_OLLAMA_API: "false" });
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
      await openai.stop();
    });

    test("rating a reply: created with the reference's shape, then updated with tags", async () => {
      const created = await create(alice, ratingOf(1));
      expect(created.status).toBe(200);
      expect(Object.keys(created.body)).toEqual([
        "id", "user_id", "version", "type", "data", "meta", "snapshot", "created_at", "updated_at",
      ]);
      expect(created.body).toMatchObject({ user_id: alice.id, version: 0, type: "rating", meta: ratingOf(1).meta });
      expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.body.created_at).toBe(created.body.updated_at);
      expect(Math.abs(created.body.created_at - Date.now() / 1000)).toBeLessThan(5);
      // RatingData as pydantic dumps it: its fields first (null when not sent), then the others.
      expect(created.body.data).toEqual({ rating: 1, model_id: "gpt-test", sibling_model_ids: null, reason: null, comment: null });
      expect(Object.keys(created.body.data)).toEqual(["rating", "model_id", "sibling_model_ids", "reason", "comment"]);
      expect(created.body.snapshot).toEqual(ratingOf(1).snapshot);

      const tagged = ratingOf(1, "chat-1", { tags: ["greeting"], details: { rating: 8 }, reason: "accurate", comment: "good" });
      const updated = await update(alice, created.body.id, tagged);
      expect(updated.status).toBe(200);
      expect(updated.body.data).toEqual({
        rating: 1, model_id: "gpt-test", sibling_model_ids: null, reason: "accurate", comment: "good", tags: ["greeting"], details: { rating: 8 },
      });
      expect(updated.body.created_at).toBe(created.body.created_at);
      expect(await get(alice, created.body.id)).toMatchObject({ status: 200, body: updated.body });
      await remove(alice, created.body.id);
    });

    test("create: data, meta and snapshot may be left out; None is stored as JSON null", async () => {
      const bare = await create(alice, { type: "rating", unknown_key: 1 });
      expect(bare.status).toBe(200);
      expect(bare.body).toMatchObject({ type: "rating", data: null, meta: null, snapshot: null });
      expect(bare.body.unknown_key).toBeUndefined();
      expect(await stored(bare.body.id)).toMatchObject({ data: "null", meta: "null", snapshot: "null" });

      const odd = await create(alice, { type: "rating", data: { rating: "up" }, snapshot: { other: 1 } });
      expect(odd.body.data.rating).toBe("up");
      expect(odd.body.snapshot).toEqual({ chat: null, other: 1 });
      for (const row of [bare, odd]) expect((await remove(alice, row.body.id)).body).toBe(true);
    });

    test("update: type never changes, data and snapshot replaced when sent, meta only when not empty", async () => {
      const { body: row } = await create(alice, ratingOf(-1));
      const onlyType = await update(alice, row.id, { type: "other" });
      expect(onlyType.body).toMatchObject({ type: "rating", data: row.data, meta: row.meta, snapshot: row.snapshot });
      const emptyMeta = await update(alice, row.id, { type: "rating", meta: {}, data: { comment: "meh" } });
      expect(emptyMeta.body.meta).toEqual(row.meta);
      expect(emptyMeta.body.data).toEqual({ rating: null, model_id: null, sibling_model_ids: null, reason: null, comment: "meh" });
      const newMeta = await update(alice, row.id, { type: "rating", meta: { chat_id: "c9" }, snapshot: {} });
      expect(newMeta.body).toMatchObject({ meta: { chat_id: "c9" }, snapshot: { chat: null } });
      await remove(alice, row.id);
    });

    test("another user gets 404 on my feedback and nothing changes; admins reach it", async () => {
      const { body: row } = await create(alice, ratingOf(1, "alice-chat"));
      const before = await stored(row.id);

      expect(await get(bob, row.id)).toMatchObject({ status: 404, body: { detail: "We could not find what you're looking for :/" } });
      expect((await update(bob, row.id, ratingOf(-1, "bob-chat"))).status).toBe(404);
      expect((await remove(bob, row.id)).status).toBe(404);
      expect((await mine(bob)).map((f: any) => f.id)).not.toContain(row.id);
      // Bob deleting "all his feedback" has nothing to delete.
      expect((await t.request("DELETE", "/api/v1/evaluations/feedbacks", { token: bob.token })).body).toBe(false);
      expect(await stored(row.id)).toEqual(before);
      expect((await get(alice, row.id)).body).toEqual(row);

      // The reference lets admins read, change and delete any feedback by id.
      expect((await get(admin, row.id)).body.user_id).toBe(alice.id);
      const changed = await update(admin, row.id, { type: "rating", data: { rating: -1 } });
      expect(changed.body).toMatchObject({ user_id: alice.id, data: { rating: -1 } });
      expect((await remove(admin, row.id)).body).toBe(true);
      expect((await get(alice, row.id)).status).toBe(404);
      expect((await remove(alice, row.id)).status).toBe(404);
    });

    test("GET /feedbacks/user: my feedback, newest first, without snapshot; DELETE /feedbacks deletes only mine", async () => {
      const first = (await create(alice, ratingOf(1, "c1"))).body;
      const bobs = (await create(bob, ratingOf(1, "c2"))).body;
      await t.ctx.db.execute(`UPDATE feedback SET updated_at = updated_at - 100 WHERE id = '${first.id}'`);
      const second = (await create(alice, ratingOf(-1, "c3"))).body;

      const list = await mine(alice);
      expect(list.map((f: any) => f.id)).toEqual([second.id, first.id]);
      expect(Object.keys(list[0])).toEqual(["id", "user_id", "version", "type", "data", "meta", "created_at", "updated_at", "user"]);
      expect(list[0].user).toBeNull();

      expect((await t.request("DELETE", "/api/v1/evaluations/feedbacks", { token: alice.token })).body).toBe(true);
      expect(await mine(alice)).toEqual([]);
      expect((await mine(bob)).map((f: any) => f.id)).toEqual([bobs.id]);
      await remove(bob, bobs.id);
    });

    test("admin lists: every feedback with its author, the export with snapshots, delete all", async () => {
      const a = (await create(alice, ratingOf(1, "c1"))).body;
      const b = (await create(bob, ratingOf(-1, "c2"))).body;
      await t.ctx.db.execute(`UPDATE feedback SET updated_at = updated_at - 100 WHERE id = '${a.id}'`);
      // A row of an account that is gone still lists, with user null.
      const orphan = (await create(bob, ratingOf(1, "c3"))).body;
      await t.ctx.db.execute(`UPDATE feedback SET user_id = 'gone', updated_at = updated_at - 200 WHERE id = '${orphan.id}'`);

      const all = (await t.request("GET", "/api/v1/evaluations/feedbacks/all", { token: admin.token })).body;
      expect(all.map((f: any) => f.id)).toEqual([b.id, a.id, orphan.id]);
      expect(all[0].snapshot).toBeUndefined();
      expect(Object.keys(all[0].user)).toEqual(["id", "name", "email", "role", "last_active_at", "updated_at", "created_at"]);
      expect(all[0].user).toMatchObject({ id: bob.id, name: "bob", email: "bob@example.com", role: "user" });
      expect(all[2]).toMatchObject({ user_id: "gone", user: null });

      const exported = (await t.request("GET", "/api/v1/evaluations/feedbacks/all/export", { token: admin.token })).body;
      expect(exported.map((f: any) => f.id)).toEqual([b.id, a.id, orphan.id]);
      expect(exported[0].snapshot).toEqual(ratingOf(-1, "c2").snapshot);
      expect(exported[0].user).toBeUndefined();

      expect((await t.request("DELETE", "/api/v1/evaluations/feedbacks/all", { token: admin.token })).body).toBe(true);
      expect((await t.request("GET", "/api/v1/evaluations/feedbacks/all", { token: admin.token })).body).toEqual([]);
      expect((await t.request("DELETE", "/api/v1/evaluations/feedbacks/all", { token: admin.token })).body).toBe(false);
    });

    test("rows written by the Python backend read back", async () => {
      const at = Math.floor(Date.now() / 1000);
      await t.ctx.db.execute(
        `INSERT INTO feedback (id, user_id, version, type, data, meta, snapshot, created_at, updated_at) VALUES ` +
          `('py-1', '${alice.id}', 0, 'rating', '{"rating": 1, "model_id": "m", "comment": "caf\\u00e9"}', 'null', '{"chat": null}', ${at}, ${at})`,
      );
      const row = (await get(alice, "py-1")).body;
      expect(row).toMatchObject({ id: "py-1", data: { rating: 1, comment: "café" }, meta: null, snapshot: { chat: null } });
      await remove(alice, "py-1");
    });

    test("bad input is a 4xx with detail, and creates nothing", async () => {
      const bad: unknown[] = [
        {},
        { type: 5 },
        { type: "rating", data: [1] },
        { type: "rating", data: { rating: 1.5 } },
        { type: "rating", data: { sibling_model_ids: "m" } },
        { type: "rating", meta: [1] },
        { type: "rating", snapshot: "x" },
        "not an object",
      ];
      for (const body of bad) {
        const res = await create(alice, body);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        expect(res.body.detail).toBeDefined();
      }
      const raw = await t.app.handle(
        new Request("http://localhost/api/v1/evaluations/feedback", {
          method: "POST",
          headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
          body: "{not json",
        }),
      );
      expect(raw.status).toBe(422);
      const row = (await create(alice, ratingOf(1))).body;
      expect((await update(alice, row.id, { data: { rating: 1 } })).status).toBe(422);
      expect((await update(alice, "no-such-id", ratingOf(1))).status).toBe(404);
      expect((await mine(alice)).length).toBe(1);
      await remove(alice, row.id);
    });

    test("arena settings: read and saved by admins, kept in the config table, shown in the model list", async () => {
      const path = "/api/v1/evaluations/config";
      expect((await t.request("GET", path, { token: admin.token })).body).toEqual({
        ENABLE_EVALUATION_ARENA_MODELS: true,
        EVALUATION_ARENA_MODELS: [],
      });
      const arena = { id: "duel", name: "Duel", meta: { profile_image_url: "/favicon.png", description: "two models", model_ids: null } };
      const saved = await t.request("POST", path, { token: admin.token, body: { EVALUATION_ARENA_MODELS: [arena] } });
      expect(saved.body).toEqual({ ENABLE_EVALUATION_ARENA_MODELS: true, EVALUATION_ARENA_MODELS: [arena] });
      // null and absent keep the value.
      const kept = await t.request("POST", path, { token: admin.token, body: { ENABLE_EVALUATION_ARENA_MODELS: null } });
      expect(kept.body.EVALUATION_ARENA_MODELS).toEqual([arena]);
      const models = (await t.request("GET", "/api/models", { token: admin.token })).body.data;
      expect(models.find((m: any) => m.id === "duel")).toMatchObject({ name: "Duel", owned_by: "arena", arena: true });

      expect((await t.request("POST", path, { token: admin.token, body: { ENABLE_EVALUATION_ARENA_MODELS: false } })).body).toEqual({
        ENABLE_EVALUATION_ARENA_MODELS: false,
        EVALUATION_ARENA_MODELS: [arena],
      });
      const stored = (await t.ctx.config.exportStored()) as any;
      expect(stored.evaluation.arena).toEqual({ enable: false, models: [arena] });

      for (const body of [{ ENABLE_EVALUATION_ARENA_MODELS: "x" }, { EVALUATION_ARENA_MODELS: [1] }, { EVALUATION_ARENA_MODELS: [{ name: "no id" }] }]) {
        const res = await t.request("POST", path, { token: admin.token, body });
        expect(res.status).toBe(422);
        expect(res.body.detail).toBeDefined();
      }
      expect((await t.request("POST", path, { token: alice.token, body: { ENABLE_EVALUATION_ARENA_MODELS: true } })).status).toBe(401);

      // A restart reads the saved settings back.
      const again = await openTestApp(t.database);
      try {
        expect((await again.request("GET", path, { token: admin.token })).body).toEqual({
          ENABLE_EVALUATION_ARENA_MODELS: false,
          EVALUATION_ARENA_MODELS: [arena],
        });
      } finally {
        await again.close();
      }
      await t.request("POST", path, { token: admin.token, body: { ENABLE_EVALUATION_ARENA_MODELS: true, EVALUATION_ARENA_MODELS: [] } });
    });
  });
}
