// /api/v1/models (workspace model rows) on both databases: shapes, access control with users
// and groups, auth levels and cross-user attempts that must change nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { insertGroup, updateGroup } from "../../src/groups/repository";
import { dialects } from "../support/databases";
import { startWorld, type World } from "../fakes/world";

const NOT_FOUND = "We could not find what you're looking for :/";
const UNAUTHORIZED = "401 Unauthorized";
const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";

const preset = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  base_model_id: "gpt-fake",
  name: `Preset ${id}`,
  meta: { description: "d", tags: [{ name: "x" }] },
  params: { temperature: 0.2 },
  ...extra,
});

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(dialect);
    }, 30_000);
    afterAll(async () => w.close(), 30_000);
    const req = (method: string, path: string, token?: string, body?: unknown) => w.t.request(method, path, { token, body });

    test("auth levels", async () => {
      for (const [method, path] of [
        ["GET", "/api/v1/models/"],
        ["GET", "/api/v1/models/model?id=x"],
        ["POST", "/api/v1/models/create"],
        ["POST", "/api/v1/models/model/toggle?id=x"],
        ["POST", "/api/v1/models/model/update?id=x"],
        ["DELETE", "/api/v1/models/model/delete?id=x"],
        ["GET", "/api/v1/models/model/profile/image?id=x"],
      ] as const) {
        expect((await req(method, path)).status).toBe(401);
        const pending = await req(method, path, w.pending.token, preset("x"));
        expect([pending.status, pending.body.detail]).toEqual([401, PROHIBITED]);
      }
      for (const [method, path, body] of [
        ["GET", "/api/v1/models/base"],
        ["GET", "/api/v1/models/export"],
        ["POST", "/api/v1/models/import", { models: [] }],
        ["POST", "/api/v1/models/sync", { models: [] }],
        ["DELETE", "/api/v1/models/delete/all"],
      ] as const) {
        const res = await req(method, path, w.user.token, body);
        expect([res.status, res.body.detail]).toEqual([401, PROHIBITED]);
        expect((await req(method, path)).status).toBe(401);
      }
    });

    test("create needs the workspace permission unless admin; ids are unique", async () => {
      const denied = await req("POST", "/api/v1/models/create", w.user.token, preset("u1"));
      expect([denied.status, denied.body.detail]).toEqual([401, UNAUTHORIZED]);
      const created = await req("POST", "/api/v1/models/create", w.admin.token, preset("p1"));
      expect(created.status).toBe(200);
      expect(Object.keys(created.body)).toEqual([
        "id", "user_id", "base_model_id", "name", "params", "meta", "access_control", "is_active", "updated_at", "created_at",
      ]);
      expect(created.body.meta).toEqual({ profile_image_url: "/static/favicon.png", description: "d", capabilities: null, tags: [{ name: "x" }] });
      expect(created.body.access_control).toBeNull();
      expect(created.body.is_active).toBe(true);
      expect(created.body.user_id).toBe(w.admin.id);
      const taken = await req("POST", "/api/v1/models/create", w.admin.token, preset("p1"));
      expect([taken.status, taken.body.detail]).toEqual([
        401,
        "Uh-oh! This model id is already registered. Please choose another model id string.",
      ]);
      const invalid = await req("POST", "/api/v1/models/create", w.admin.token, { id: "bad", name: "Bad" });
      expect(invalid.status).toBe(422);
      expect(invalid.body.detail.map((d: any) => d.loc)).toContainEqual(["body", "meta"]);
    });

    test("a group with the workspace permission lets its members create", async () => {
      const group = await insertGroup(w.t.ctx.db, w.admin.id, { name: "makers", description: "", permissions: { workspace: { models: true } } });
      await updateGroup(w.t.ctx.db, group.id, () => ({ user_ids: [w.user.id] }));
      const created = await req("POST", "/api/v1/models/create", w.user.token, preset("u-owned", { access_control: {} }));
      expect(created.status).toBe(200);
      expect(created.body.user_id).toBe(w.user.id);
      await updateGroup(w.t.ctx.db, group.id, () => ({ user_ids: [] }));
    });

    test("list: admins see every preset with its owner, users what they own or may write", async () => {
      const all = await req("GET", "/api/v1/models/", w.admin.token);
      expect(all.body.map((m: any) => m.id).sort()).toEqual(["p1", "u-owned"]);
      const owned = all.body.find((m: any) => m.id === "u-owned");
      expect(owned.user).toEqual({ id: w.user.id, name: "Ann", email: expect.any(String), role: "user", profile_image_url: "/user.png" });
      expect((await req("GET", "/api/v1/models/", w.user.token)).body.map((m: any) => m.id)).toEqual(["u-owned"]);
      expect((await req("GET", "/api/v1/models/", w.other.token)).body).toEqual([]);
      // Public read does not make it writable: still not in Bob's list.
      const shared = await req("POST", "/api/v1/models/create", w.admin.token, preset("shared-w", { access_control: { read: { user_ids: [] }, write: { group_ids: [], user_ids: [w.other.id] } } }));
      expect(shared.status).toBe(200);
      expect((await req("GET", "/api/v1/models/", w.other.token)).body.map((m: any) => m.id)).toEqual(["shared-w"]);
      const base = await req("POST", "/api/v1/models/create", w.admin.token, { id: "gpt-fake", name: "GPT", meta: {}, params: {} });
      expect(base.status).toBe(200);
      expect((await req("GET", "/api/v1/models/base", w.admin.token)).body.map((m: any) => m.id)).toEqual(["gpt-fake"]);
    });

    test("get one: 401 when missing, null without read access, the row otherwise", async () => {
      const missing = await req("GET", "/api/v1/models/model?id=nope", w.user.token);
      expect([missing.status, missing.body.detail]).toEqual([401, NOT_FOUND]);
      const hidden = await req("GET", "/api/v1/models/model?id=u-owned", w.other.token);
      expect([hidden.status, hidden.text]).toEqual([200, "null"]);
      expect((await req("GET", "/api/v1/models/model?id=u-owned", w.user.token)).body.id).toBe("u-owned");
      expect((await req("GET", "/api/v1/models/model?id=p1", w.other.token)).body.id).toBe("p1");
      expect((await req("GET", "/api/v1/models/model?id=u-owned", w.admin.token)).body.id).toBe("u-owned");
      const noId = await req("GET", "/api/v1/models/model", w.user.token);
      expect(noId.status).toBe(422);
      expect(noId.body.detail[0].loc).toEqual(["query", "id"]);
    });

    test("another user can neither toggle, update nor delete; nothing changes", async () => {
      const before = (await req("GET", "/api/v1/models/model?id=u-owned", w.admin.token)).body;
      const toggle = await req("POST", "/api/v1/models/model/toggle?id=u-owned", w.other.token);
      expect([toggle.status, toggle.body.detail]).toEqual([401, UNAUTHORIZED]);
      const update = await req("POST", "/api/v1/models/model/update?id=u-owned", w.other.token, { ...preset("u-owned"), name: "Hacked" });
      expect([update.status, update.body.detail]).toEqual([400, PROHIBITED]);
      const remove = await req("DELETE", "/api/v1/models/model/delete?id=u-owned", w.other.token);
      expect([remove.status, remove.body.detail]).toEqual([401, UNAUTHORIZED]);
      expect((await req("GET", "/api/v1/models/model?id=u-owned", w.admin.token)).body).toEqual(before);
      for (const [method, path] of [
        ["POST", "/api/v1/models/model/toggle?id=gone"],
        ["POST", "/api/v1/models/model/update?id=gone"],
        ["DELETE", "/api/v1/models/model/delete?id=gone"],
      ] as const) {
        const res = await req(method, path, w.user.token, preset("gone"));
        expect([res.status, res.body.detail]).toEqual([401, NOT_FOUND]);
      }
    });

    test("write access through a grant: toggle, update (the id in the body is ignored), delete", async () => {
      const toggled = await req("POST", "/api/v1/models/model/toggle?id=shared-w", w.other.token);
      expect([toggled.status, toggled.body.is_active]).toEqual([200, false]);
      const updated = await req("POST", "/api/v1/models/model/update?id=shared-w", w.other.token, {
        ...preset("other-id"),
        name: "Renamed",
        access_control: { write: { user_ids: [w.other.id] } },
      });
      expect(updated.status).toBe(200);
      expect([updated.body.id, updated.body.name, updated.body.is_active]).toEqual(["shared-w", "Renamed", true]);
      const own = await req("DELETE", "/api/v1/models/model/delete?id=u-owned", w.user.token);
      expect([own.status, own.body]).toEqual([200, true]);
      expect((await req("GET", "/api/v1/models/model?id=u-owned", w.admin.token)).status).toBe(401);
    });

    test("grants through groups, read and write, decided in the database", async () => {
      const group = await insertGroup(w.t.ctx.db, w.admin.id, { name: "readers", description: "" });
      await updateGroup(w.t.ctx.db, group.id, () => ({ user_ids: [w.other.id] }));
      const ac = { read: { group_ids: [group.id], user_ids: [] }, write: { group_ids: [group.id], user_ids: [] } };
      expect((await req("POST", "/api/v1/models/create", w.admin.token, preset("by-group", { access_control: ac }))).status).toBe(200);
      expect((await req("GET", "/api/v1/models/model?id=by-group", w.other.token)).body.id).toBe("by-group");
      expect((await req("GET", "/api/v1/models/model?id=by-group", w.user.token)).text).toBe("null");
      expect((await req("GET", "/api/v1/models/", w.other.token)).body.map((m: any) => m.id)).toContain("by-group");
      expect((await req("POST", "/api/v1/models/model/toggle?id=by-group", w.other.token)).status).toBe(200);
      expect((await req("POST", "/api/v1/models/model/toggle?id=by-group", w.user.token)).status).toBe(401);
      // A malformed access_control written by someone else grants nothing and breaks nothing.
      await w.t.ctx.db.write((tx) => tx.update(w.t.ctx.db.t.model).set({ access_control: { read: "everyone" } }).where(eq(w.t.ctx.db.t.model.id, "by-group")));
      expect((await req("GET", "/api/v1/models/model?id=by-group", w.other.token)).text).toBe("null");
      expect((await req("GET", "/api/v1/models/", w.other.token)).status).toBe(200);
      await req("DELETE", "/api/v1/models/model/delete?id=by-group", w.admin.token);
    });

    test("export, import (merge and insert) and sync", async () => {
      const exported = await req("GET", "/api/v1/models/export", w.admin.token);
      expect(exported.body.map((m: any) => m.id).sort()).toEqual(["p1", "shared-w"]);
      expect("user" in exported.body[0]).toBe(false);
      const imported = await req("POST", "/api/v1/models/import", w.admin.token, {
        models: [{ id: "p1", name: "P1 again" }, { id: "imp", name: "Imported", base_model_id: "gpt-fake" }, { name: "no id" }],
      });
      expect([imported.status, imported.body]).toEqual([200, true]);
      const p1 = (await req("GET", "/api/v1/models/model?id=p1", w.admin.token)).body;
      expect([p1.name, p1.params, p1.base_model_id]).toEqual(["P1 again", { temperature: 0.2 }, "gpt-fake"]);
      expect((await req("GET", "/api/v1/models/model?id=imp", w.admin.token)).body.meta.profile_image_url).toBe("/static/favicon.png");
      const bad = await req("POST", "/api/v1/models/import", w.admin.token, { models: [{ id: "new-no-name" }] });
      expect(bad.status).toBe(400);

      const rows = (await req("GET", "/api/v1/models/export", w.admin.token)).body.filter((m: any) => m.id !== "imp");
      const synced = await req("POST", "/api/v1/models/sync", w.other.token, { models: rows });
      expect(synced.status).toBe(401);
      const done = await req("POST", "/api/v1/models/sync", w.admin.token, { models: rows });
      expect(done.status).toBe(200);
      expect(done.body.map((m: any) => m.id).sort()).toEqual(["p1", "shared-w"]);
      expect(done.body.every((m: any) => m.user_id === w.admin.id)).toBe(true);
    });

    test("profile image: redirect, inline data, or the default icon", async () => {
      await req("POST", "/api/v1/models/create", w.admin.token, preset("img-http", { meta: { profile_image_url: "https://example.com/a.png" } }));
      await req("POST", "/api/v1/models/create", w.admin.token, preset("img-data", { meta: { profile_image_url: "data:image/png;base64,aGVsbG8=" } }));
      const redirect = await w.t.app.handle(
        new Request("http://localhost/api/v1/models/model/profile/image?id=img-http", { headers: { authorization: `Bearer ${w.user.token}` } }),
      );
      expect([redirect.status, redirect.headers.get("location")]).toEqual([302, "https://example.com/a.png"]);
      const inline = await req("GET", "/api/v1/models/model/profile/image?id=img-data", w.user.token);
      expect([inline.status, inline.text, inline.headers.get("content-type")]).toEqual([200, "hello", "image/png"]);
    });

    test("delete all", async () => {
      const res = await req("DELETE", "/api/v1/models/delete/all", w.admin.token);
      expect([res.status, res.body]).toEqual([200, true]);
      expect((await req("GET", "/api/v1/models/", w.admin.token)).body).toEqual([]);
    });
  });
}
