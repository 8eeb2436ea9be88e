// /api/v1/utils on both databases: the Gravatar URL, Markdown to HTML, and the admin downloads
// (a consistent copy of the SQLite database; PostgreSQL says it is not SQLite; the LiteLLM file).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Database } from "bun:sqlite";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("gravatar: SHA-256 of the trimmed, lower-cased address", async () => {
      const res = await t.request("GET", "/api/v1/utils/gravatar?email=%20Alice@Example.com%20", { token: alice.token });
      const hash = new Bun.CryptoHasher("sha256").update("alice@example.com").digest("hex");
      expect(res.body).toBe(`https://www.gravatar.com/avatar/${hash}?d=mp`);
      expect((await t.request("GET", "/api/v1/utils/gravatar", { token: alice.token })).status).toBe(422);
    });

    test("markdown becomes HTML; a body without md is refused", async () => {
      const res = await t.request("POST", "/api/v1/utils/markdown", { token: alice.token, body: { md: "# Title\n\nSome *text*." } });
      expect(res.body.html).toContain("<h1");
      expect(res.body.html).toContain("<em>text</em>");
      expect((await t.request("POST", "/api/v1/utils/markdown", { token: alice.token, body: { text: "x" } })).status).toBe(422);
    });

    test("the database download is a working SQLite copy, or a clear 400 on PostgreSQL", async () => {
      const res = await fetchRaw(t, "/api/v1/utils/db/download", admin.token);
      if (dialect === "postgres") {
        expect(res.status).toBe(400);
        expect(((await res.json()) as any).detail).toBe("This feature is only available when running with SQLite databases.");
        return;
      }
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toContain("webui.db");
      const copy = join(t.database.dataDir, "downloaded.db");
      await Bun.write(copy, await res.arrayBuffer());
      const opened = new Database(copy, { readonly: true });
      const emails = opened.query("SELECT email FROM user ORDER BY email").all() as { email: string }[];
      opened.close();
      expect(emails.map((e) => e.email)).toEqual(["admin@example.com", "alice@example.com"]);
    });

    test("the LiteLLM config is sent when the file exists", async () => {
      expect((await t.request("GET", "/api/v1/utils/litellm/config", { token: admin.token })).status).toBe(404);
      mkdirSync(join(t.ctx.env.dataDir, "litellm"), { recursive: true });
      writeFileSync(join(t.ctx.env.dataDir, "litellm", "config.yaml"), "model_list: []\n");
      const res = await fetchRaw(t, "/api/v1/utils/litellm/config", admin.token);
      expect([res.status, await res.text()]).toEqual([200, "model_list: []\n"]);
    });
  });
}

describe("admin export switched off", () => {
  test("the database download answers 401", async () => {
    const t = await startTestApp("sqlite", { ENABLE_ADMIN_EXPORT: "false" });
    try {
      const admin = await signUp(t, "admin@example.com", "pw", "Admin");
      const res = await t.request("GET", "/api/v1/utils/db/download", { token: admin.token });
      expect(res.status).toBe(401);
    } finally {
      await t.close();
      await t.database.drop();
    }
  });
});

async function fetchRaw(t: TestApp, path: string, token: string): Promise<Response> {
  return t.app.handle(new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${token}` } }));
}
