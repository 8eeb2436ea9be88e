// /api/v1/knowledge on SQLite and PostgreSQL: CRUD, files, access control and status codes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { dialects } from "../support/databases";
import { uploadAndProcess } from "../support/uploads";
import { insertUser } from "../support/users";

for (const dialect of dialects) {
  describe(`knowledge (${dialect})`, () => {
    let t: TestApp;
    let admin: string;
    let alice: string;
    let aliceId: string;
    let bob: string;
    let bobId: string;
    let carol: string;
    let pending: string;

    const create = async (token: string, body: Record<string, unknown> = {}) =>
      t.request("POST", "/api/v1/knowledge/create", { token, body: { name: "KB", description: "d", ...body } });

    beforeAll(async () => {
      t = await startTestApp(dialect, { USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS: "true", CHUNK_SIZE: "100", CHUNK_OVERLAP: "10" });
      admin = t.tokenFor((await insertUser(t.ctx, { role: "admin" })).id);
      const a = await insertUser(t.ctx);
      aliceId = a.id;
      alice = t.tokenFor(a.id);
      const b = await insertUser(t.ctx);
      bobId = b.id;
      bob = t.tokenFor(b.id);
      carol = t.tokenFor((await insertUser(t.ctx)).id);
      pending = t.tokenFor((await insertUser(t.ctx, { role: "pending" })).id);
    });

    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("create answers the knowledge with files: null; public becomes private without the sharing permission", async () => {
      const res = await create(alice, { name: "Animals", access_control: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ user_id: aliceId, name: "Animals", description: "d", data: null, meta: null, access_control: {}, files: null });
      const byAdmin = await create(admin, { access_control: null });
      expect(byAdmin.body.access_control).toBeNull();
      expect((await create(alice, { description: undefined })).status).toBe(422);
    });

    test("create needs workspace.knowledge unless admin", async () => {
      await t.ctx.config.set({ USER_PERMISSIONS: { ...t.ctx.config.get("USER_PERMISSIONS"), workspace: { knowledge: false } } });
      try {
        const res = await create(bob);
        expect(res.status).toBe(401);
        expect(res.body.detail).toBe("401 Unauthorized");
        expect((await create(admin)).status).toBe(200);
      } finally {
        await t.ctx.config.set({ USER_PERMISSIONS: { ...t.ctx.config.get("USER_PERMISSIONS"), workspace: { knowledge: true } } });
      }
    });

    test("file add, duplicate, update, remove; listing with files and owner", async () => {
      const kb = (await create(alice, { name: "Zoo" })).body;
      const one = await uploadAndProcess(t, alice, { name: "zebra.txt", content: "Zebras are striped horses of Africa." });
      const two = await uploadAndProcess(t, alice, { name: "copy.txt", content: "Zebras are striped horses of Africa." });
      const added = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/add`, { token: alice, body: { file_id: one.uploaded.id } });
      expect(added.status).toBe(200);
      expect(added.body.data.file_ids).toEqual([one.uploaded.id]);
      expect(added.body.files.map((f: any) => f.id)).toEqual([one.uploaded.id]);
      expect(Object.keys(added.body.files[0]).sort()).toEqual(["created_at", "id", "meta", "updated_at"]);
      const again = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/add`, { token: alice, body: { file_id: one.uploaded.id } });
      expect(again.status).toBe(400);
      expect(again.body.detail).toBe("[ERROR: file_id]");
      const duplicate = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/add`, { token: alice, body: { file_id: two.uploaded.id } });
      expect(duplicate.status).toBe(400);
      expect(duplicate.body.detail).toBe("Duplicate content detected. Please provide unique content to proceed.");
      const updated = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/update`, { token: alice, body: { file_id: one.uploaded.id } });
      expect(updated.status).toBe(200);
      const list = await t.request("GET", "/api/v1/knowledge/", { token: alice });
      const entry = list.body.find((k: any) => k.id === kb.id);
      expect(entry.user).toMatchObject({ id: aliceId, email: expect.any(String), role: "user" });
      expect(entry.files.map((f: any) => f.id)).toEqual([one.uploaded.id]);
      const got = await t.request("GET", `/api/v1/knowledge/${kb.id}`, { token: alice });
      expect(got.body.files.map((f: any) => f.id)).toEqual([one.uploaded.id]);
      const notThere = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/remove`, { token: alice, body: { file_id: two.uploaded.id } });
      expect(notThere.status).toBe(400);
      expect(notThere.body.detail).toBe("[ERROR: file_id]");
      expect((await t.request("GET", `/api/v1/files/${two.uploaded.id}`, { token: alice })).status).toBe(200);
      const removed = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/remove`, { token: alice, body: { file_id: one.uploaded.id } });
      expect(removed.body.data.file_ids).toEqual([]);
      expect((await t.request("GET", `/api/v1/files/${one.uploaded.id}`, { token: alice })).status).toBe(404);
    });

    test("unprocessed or missing files cannot be added", async () => {
      const kb = (await create(alice)).body;
      const missing = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/add`, { token: alice, body: { file_id: "nope" } });
      expect(missing.status).toBe(400);
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");
      const form = new FormData();
      form.append("file", new File(["raw"], "raw.txt", { type: "text/plain" }));
      const raw = await t.app.handle(
        new Request("http://localhost/api/v1/files/?process=false", { method: "POST", headers: { authorization: `Bearer ${alice}` }, body: form }),
      );
      const rawId = ((await raw.json()) as any).id;
      const res = await t.request("POST", `/api/v1/knowledge/${kb.id}/file/add`, { token: alice, body: { file_id: rawId } });
      expect(res.status).toBe(400);
      expect(res.body.detail).toContain("Extracted content is not available");
    });

    test("batch add, dangling ids are dropped from listings, reset and delete", async () => {
      const kb = (await create(alice)).body;
      const a = await uploadAndProcess(t, alice, { name: "a.txt", content: "Aardvarks dig burrows." });
      const b = await uploadAndProcess(t, alice, { name: "b.txt", content: "Badgers dig setts." });
      const batch = await t.request("POST", `/api/v1/knowledge/${kb.id}/files/batch/add`, {
        token: alice,
        body: [{ file_id: a.uploaded.id }, { file_id: b.uploaded.id }],
      });
      expect(batch.status).toBe(200);
      expect(batch.body.data.file_ids.sort()).toEqual([a.uploaded.id, b.uploaded.id].sort());
      const unknown = await t.request("POST", `/api/v1/knowledge/${kb.id}/files/batch/add`, { token: alice, body: [{ file_id: "zzz" }] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toBe("File zzz not found");
      await t.request("DELETE", `/api/v1/files/${a.uploaded.id}`, { token: alice });
      const list = await t.request("GET", "/api/v1/knowledge/list", { token: alice });
      expect(list.body.find((k: any) => k.id === kb.id).data.file_ids).toEqual([b.uploaded.id]);
      const reset = await t.request("POST", `/api/v1/knowledge/${kb.id}/reset`, { token: alice });
      expect(reset.body.data).toEqual({ file_ids: [] });
      expect(reset.body.files).toBeNull();
      const deleted = await t.request("DELETE", `/api/v1/knowledge/${kb.id}/delete`, { token: alice });
      expect(deleted.body).toBe(true);
      const gone = await t.request("GET", `/api/v1/knowledge/${kb.id}`, { token: alice });
      expect(gone.status).toBe(401);
      expect(gone.body.detail).toBe("We could not find what you're looking for :/");
    });

    test("update keeps file membership; only writers may update", async () => {
      const kb = (await create(alice, { access_control: { read: { user_ids: [bobId], group_ids: [] }, write: { user_ids: [], group_ids: [] } } })).body;
      const f = await uploadAndProcess(t, alice, { name: "u.txt", content: "Unicorns are not real." });
      await t.request("POST", `/api/v1/knowledge/${kb.id}/file/add`, { token: alice, body: { file_id: f.uploaded.id } });
      const res = await t.request("POST", `/api/v1/knowledge/${kb.id}/update`, {
        token: alice,
        body: { name: "Renamed", description: "new", data: { file_ids: ["injected"] }, access_control: kb.access_control },
      });
      expect(res.status).toBe(200);
      expect(res.body.name).toBe("Renamed");
      expect(res.body.data.file_ids).toEqual([f.uploaded.id]);
      const byBob = await t.request("POST", `/api/v1/knowledge/${kb.id}/update`, { token: bob, body: { name: "x", description: "y" } });
      expect(byBob.status).toBe(400);
      expect(byBob.body.detail).toBe("You do not have permission to access this resource. Please contact your administrator for assistance.");
      // Bob can read through the grant, and so read the file it holds.
      expect((await t.request("GET", `/api/v1/knowledge/${kb.id}`, { token: bob })).body.name).toBe("Renamed");
      expect((await t.request("GET", `/api/v1/files/${f.uploaded.id}`, { token: bob })).status).toBe(200);
      expect((await t.request("GET", "/api/v1/knowledge/", { token: bob })).body.map((k: any) => k.id)).toContain(kb.id);
      expect((await t.request("GET", "/api/v1/knowledge/list", { token: bob })).body.map((k: any) => k.id)).not.toContain(kb.id);
    });

    test("another user gets the reference's codes on every id route and nothing changes", async () => {
      const kb = (await create(alice, { name: "Private" })).body;
      const f = await uploadAndProcess(t, alice, { name: "p.txt", content: "Pangolins have scales." });
      await t.request("POST", `/api/v1/knowledge/${kb.id}/file/add`, { token: alice, body: { file_id: f.uploaded.id } });
      const carolFile = await uploadAndProcess(t, carol, { name: "c.txt", content: "Capybaras are calm." });
      const read = await t.request("GET", `/api/v1/knowledge/${kb.id}`, { token: carol });
      expect(read.status).toBe(200);
      expect(read.body).toBeNull();
      for (const [method, path, body] of [
        ["POST", `/api/v1/knowledge/${kb.id}/update`, { name: "x", description: "y" }],
        ["POST", `/api/v1/knowledge/${kb.id}/file/add`, { file_id: carolFile.uploaded.id }],
        ["POST", `/api/v1/knowledge/${kb.id}/file/update`, { file_id: f.uploaded.id }],
        ["POST", `/api/v1/knowledge/${kb.id}/file/remove`, { file_id: f.uploaded.id }],
        ["POST", `/api/v1/knowledge/${kb.id}/reset`, undefined],
        ["POST", `/api/v1/knowledge/${kb.id}/files/batch/add`, [{ file_id: carolFile.uploaded.id }]],
        ["DELETE", `/api/v1/knowledge/${kb.id}/delete`, undefined],
      ] as [string, string, unknown][]) {
        const res = await t.request(method, path, { token: carol, body });
        expect(res.status).toBe(400);
        expect(res.body.detail).toBe("You do not have permission to access this resource. Please contact your administrator for assistance.");
      }
      // Carol cannot pull Alice's file into her own knowledge base either.
      const own = (await create(carol)).body;
      const steal = await t.request("POST", `/api/v1/knowledge/${own.id}/file/add`, { token: carol, body: { file_id: f.uploaded.id } });
      expect(steal.status).toBe(400);
      const stealBatch = await t.request("POST", `/api/v1/knowledge/${own.id}/files/batch/add`, { token: carol, body: [{ file_id: f.uploaded.id }] });
      expect(stealBatch.status).toBe(400);
      const after = await t.request("GET", `/api/v1/knowledge/${kb.id}`, { token: alice });
      expect(after.body.name).toBe("Private");
      expect(after.body.data.file_ids).toEqual([f.uploaded.id]);
      expect((await t.request("GET", `/api/v1/files/${f.uploaded.id}`, { token: alice })).status).toBe(200);
      for (const path of [`/api/v1/knowledge/missing/update`, `/api/v1/knowledge/missing/reset`]) {
        const res = await t.request("POST", path, { token: carol, body: { name: "x", description: "y" } });
        expect(res.status).toBe(400);
        expect(res.body.detail).toBe("We could not find what you're looking for :/");
      }
      // Admins see and change everything.
      expect((await t.request("GET", `/api/v1/knowledge/${kb.id}`, { token: admin })).body.id).toBe(kb.id);
    });

    test("reindex is admin-only; auth levels", async () => {
      const notAdmin = await t.request("POST", "/api/v1/knowledge/reindex", { token: alice });
      expect(notAdmin.status).toBe(401);
      expect(notAdmin.body.detail).toBe("401 Unauthorized");
      const ok = await t.request("POST", "/api/v1/knowledge/reindex", { token: admin });
      expect(ok.body).toBe(true);
      for (const path of ["/api/v1/knowledge/", "/api/v1/knowledge/list", "/api/v1/knowledge/x"]) {
        expect((await t.request("GET", path)).status).toBe(401);
        expect((await t.request("GET", path, { token: pending })).status).toBe(401);
      }
      expect((await t.request("POST", "/api/v1/knowledge/create", { token: pending, body: { name: "n", description: "d" } })).status).toBe(401);
    });
  });
}
