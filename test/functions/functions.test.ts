// /api/v1/functions read routes on both databases, over rows written as the Python backend writes them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { insertFunction } from "../support/workspace";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      await insertFunction(t, { id: "tidy", user_id: admin.id, type: "filter", is_active: true, is_global: true });
      await insertFunction(t, { id: "mirror", user_id: admin.id, type: "pipe", meta: { description: "echo", custom: { a: 1 } } });
      await insertFunction(t, { id: "bare", user_id: admin.id, type: "action", meta: {} });
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("GET / gives every verified user the FunctionResponse list", async () => {
      const res = await t.request("GET", "/api/v1/functions/", { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.body.map((f: any) => f.id).sort()).toEqual(["bare", "mirror", "tidy"]);
      const tidy = res.body.find((f: any) => f.id === "tidy");
      expect(Object.keys(tidy)).toEqual(["id", "user_id", "type", "name", "meta", "is_active", "is_global", "updated_at", "created_at"]);
      expect(tidy).toMatchObject({ type: "filter", is_active: true, is_global: true, meta: { description: "about tidy", manifest: { version: "1.0" } } });
      // FunctionMeta keeps extra keys and fills description and manifest.
      expect(res.body.find((f: any) => f.id === "mirror").meta).toEqual({ description: "echo", custom: { a: 1 }, manifest: {} });
      expect(res.body.find((f: any) => f.id === "bare")).toMatchObject({ is_active: false, is_global: false, meta: { description: null, manifest: {} } });
    });

    test("GET /id/{id} is for admins and includes the source", async () => {
      const res = await t.request("GET", "/api/v1/functions/id/tidy", { token: admin.token });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual([
        "id", "user_id", "name", "type", "content", "meta", "is_active", "is_global", "updated_at", "created_at",
      ]);
      expect(res.body.content).toContain("class Filter");

      const refused = await t.request("GET", "/api/v1/functions/id/tidy", { token: alice.token });
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toBe(
        "You do not have permission to access this resource. Please contact your administrator for assistance.",
      );
      const missing = await t.request("GET", "/api/v1/functions/id/none", { token: admin.token });
      expect(missing.status).toBe(401);
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");
    });

    test("writes, valves and export are absent", async () => {
      expect((await t.request("POST", "/api/v1/functions/create", { token: admin.token, body: {} })).status).toBe(404);
      expect((await t.request("POST", "/api/v1/functions/id/tidy/toggle", { token: admin.token })).status).toBe(404);
      expect((await t.request("GET", "/api/v1/functions/export", { token: admin.token })).status).toBe(404);
    });
  });
}
