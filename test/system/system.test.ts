// The foundation routes of main.py, on both databases.
import { afterAll, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app";
import { createContext } from "../../src/context";
import { signToken } from "../../src/core/jwt";
import { createLogger } from "../../src/core/logger";
import { countUsers } from "../../src/users/repository";
import { startTestApp, TEST_SECRET, type TestApp } from "../support/app";
import { dialects } from "../support/databases";
import { insertUser } from "../support/users";

const frontend = mkdtempSync(join(tmpdir(), "owb-frontend-"));
mkdirSync(join(frontend, "_app", "immutable"), { recursive: true });
mkdirSync(join(frontend, "static"), { recursive: true });
writeFileSync(join(frontend, "index.html"), "<!doctype html><title>Open WebUI</title>");
writeFileSync(join(frontend, "_app", "immutable", "app.js"), "console.log(1)");
writeFileSync(join(frontend, "static", "favicon.png"), "png");
writeFileSync(join(tmpdir(), "owb-secret.txt"), "secret");

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, { FRONTEND_BUILD_DIR: frontend, STATIC_DIR: join(frontend, "missing") });
    });
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("health and database health", async () => {
      expect((await t.request("GET", "/health")).body).toEqual({ status: true });
      expect((await t.request("GET", "/health/db")).body).toEqual({ status: true });
    });

    test("version and changelog", async () => {
      expect((await t.request("GET", "/api/version")).body).toEqual({ version: "0.6.32" });
      const changelog = (await t.request("GET", "/api/changelog")).body;
      expect(Object.keys(changelog).length).toBeGreaterThan(0);
      const [first] = Object.values(changelog) as any[];
      expect(first.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(first.added[0]).toEqual({ title: expect.any(String), content: expect.any(String), raw: expect.stringMatching(/^<li>/) });
    });

    test("anonymous config on an empty database asks for onboarding", async () => {
      const res = await t.request("GET", "/api/config");
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        onboarding: true,
        status: true,
        name: "Open WebUI",
        version: "0.6.32",
        default_locale: "",
        oauth: { providers: {} },
        features: {
          auth: true,
          auth_trusted_header: false,
          enable_signup_password_confirmation: false,
          enable_ldap: false,
          enable_api_key: true,
          enable_signup: true,
          enable_login_form: true,
          enable_websocket: true,
          enable_version_update_check: true,
        },
      });
    });

    test("config by role: admin, user, pending, and a bad token counts as anonymous", async () => {
      const admin = await insertUser(t.ctx, { role: "admin" });
      const user = await insertUser(t.ctx, { role: "user" });
      const pending = await insertUser(t.ctx, { role: "pending" });

      const asAdmin = (await t.request("GET", "/api/config", { token: t.tokenFor(admin.id) })).body;
      expect(asAdmin.onboarding).toBeUndefined();
      expect(asAdmin.user_count).toBe(3);
      expect(asAdmin.active_entries).toBeNull();
      expect(asAdmin.features.enable_notes).toBe(true);
      expect(asAdmin.permissions.chat.controls).toBe(true);
      expect(asAdmin.audio).toEqual({ tts: { engine: "", voice: "alloy", split_on: "punctuation" }, stt: { engine: "" } });
      expect(asAdmin.file).toEqual({ max_size: null, max_count: null, image_compression: { width: null, height: null } });

      const asUser = (await t.request("GET", "/api/config", { token: t.tokenFor(user.id) })).body;
      expect(asUser.user_count).toBe(3);
      expect("active_entries" in asUser).toBe(false);

      const asPending = (await t.request("GET", "/api/config", { token: t.tokenFor(pending.id) })).body;
      expect(asPending.ui).toEqual({ pending_user_overlay_title: "", pending_user_overlay_content: "" });
      expect(asPending.user_count).toBeUndefined();
      expect(asPending.features.enable_channels).toBe(false);

      // Cookie-only, as the frontend calls it.
      const byCookie = (await t.request("GET", "/api/config", { headers: { cookie: `token=${t.tokenFor(admin.id)}` } })).body;
      expect(byCookie.user_count).toBe(3);

      for (const token of ["garbage", signToken({ id: admin.id }, "another-secret"), t.tokenFor("no-such-user")]) {
        const res = await t.request("GET", "/api/config", { token });
        expect(res.status).toBe(200);
        expect(res.body.user_count).toBeUndefined();
        expect(res.body.onboarding).toBeUndefined();
        expect(res.body.features.enable_notes).toBeUndefined();
      }
      expect(signToken({ id: admin.id }, TEST_SECRET)).toBe(t.tokenFor(admin.id));
    });

    test("user_count follows new accounts within a second", async () => {
      const admin = await insertUser(t.ctx, { role: "admin" });
      const token = t.tokenFor(admin.id);
      expect((await t.request("GET", "/api/config", { token })).body.user_count).toBeGreaterThan(0);
      await insertUser(t.ctx, { role: "user" });
      setSystemTime(new Date(Date.now() + 1_100));
      try {
        const counted = await countUsers(t.ctx.db);
        expect((await t.request("GET", "/api/config", { token })).body.user_count).toBe(counted);
      } finally {
        setSystemTime();
      }
    });

    test("a saved setting shows in the next /api/config of every kind of caller", async () => {
      const admin = await insertUser(t.ctx, { role: "admin" });
      const token = t.tokenFor(admin.id);
      const before = await Promise.all([t.request("GET", "/api/config"), t.request("GET", "/api/config", { token })]);
      expect(before.map((res) => res.body.features.enable_signup)).toEqual([true, true]);
      expect(before[1]!.headers.get("content-type")).toBe("application/json");
      await t.ctx.config.set({ ENABLE_SIGNUP: false, DEFAULT_LOCALE: "de-DE" });
      try {
        const after = await Promise.all([t.request("GET", "/api/config"), t.request("GET", "/api/config", { token })]);
        expect(after.map((res) => res.body.features.enable_signup)).toEqual([false, false]);
        expect(after.map((res) => res.body.default_locale)).toEqual(["de-DE", "de-DE"]);
      } finally {
        await t.ctx.config.set({ ENABLE_SIGNUP: true, DEFAULT_LOCALE: "" });
      }
    });

    test("the admin's webhook URL is read and saved; a body without a URL is a 422", async () => {
      const admin = await insertUser(t.ctx, { role: "admin" });
      const token = t.tokenFor(admin.id);
      expect((await t.request("GET", "/api/webhook", { token })).body).toEqual({ url: "" });
      const saved = await t.request("POST", "/api/webhook", { token, body: { url: "http://127.0.0.1:9/hook" } });
      expect(saved.body).toEqual({ url: "http://127.0.0.1:9/hook" });
      expect((await t.request("GET", "/api/webhook", { token })).body).toEqual({ url: "http://127.0.0.1:9/hook" });
      expect(t.ctx.config.get("WEBHOOK_URL")).toBe("http://127.0.0.1:9/hook");
      expect((await t.request("POST", "/api/webhook", { token, body: {} })).status).toBe(422);
      await t.request("POST", "/api/webhook", { token, body: { url: "" } });
    });

    test("manifest and opensearch", async () => {
      const manifest = (await t.request("GET", "/manifest.json")).body;
      expect(manifest.name).toBe("Open WebUI");
      expect(manifest.start_url).toBe("/");
      expect(manifest.icons).toHaveLength(2);
      const search = await t.request("GET", "/opensearch.xml");
      expect(search.headers.get("content-type")).toContain("application/xml");
      expect(search.text).toContain("<ShortName>Open WebUI</ShortName>");
      expect(search.text).toContain('template="/?q={searchTerms}"');
    });

    test("unknown API paths answer a JSON 404", async () => {
      // (/openai/{path} is the reference's catch-all proxy, so it is not an unknown path.)
      for (const path of ["/api/nothing", "/api/v1/nothing/here", "/ollama/api/x"]) {
        const res = await t.request("GET", path);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ detail: "Not Found" });
      }
      expect((await t.request("POST", "/api/nothing")).body).toEqual({ detail: "Not Found" });
    });

    test("at DEBUG each request is logged with its status; above DEBUG nothing is", async () => {
      for (const level of ["DEBUG", "INFO"] as const) {
        const lines: string[] = [];
        const ctx = await createContext({
          source: { DATA_DIR: t.database.dataDir, DATABASE_URL: t.database.url, WEBUI_SECRET_KEY: TEST_SECRET },
          log: createLogger(level, (line) => lines.push(line)),
        });
        try {
          const app = createApp(ctx);
          await app.handle(new Request("http://localhost/health"));
          await app.handle(new Request("http://localhost/api/v1/auths/signin", { method: "POST" }));
          await Bun.sleep(20);
          const logged = lines.filter((line) => line.includes("DEBUG"));
          if (level === "DEBUG") {
            expect(logged.some((line) => line.includes("GET /health 200"))).toBe(true);
            expect(logged.some((line) => line.includes("POST /api/v1/auths/signin"))).toBe(true);
          } else {
            expect(logged).toEqual([]);
          }
        } finally {
          await ctx.close();
        }
      }
    });

    test("the frontend build is served, with index.html for page paths", async () => {
      const page = await t.request("GET", "/c/some-chat-id");
      expect(page.status).toBe(200);
      expect(page.text).toContain("<title>Open WebUI</title>");
      expect((await t.request("GET", "/")).text).toContain("<title>Open WebUI</title>");
      expect((await t.request("GET", "/_app/immutable/app.js")).text).toBe("console.log(1)");
      expect((await t.request("GET", "/_app/immutable/missing.js")).status).toBe(404);
    });

    test("static files come from the static folders and never from outside them", async () => {
      expect((await t.request("GET", "/static/favicon.png")).text).toBe("png");
      expect((await t.request("GET", "/static/nothing.png")).status).toBe(404);
      for (const path of ["/static/..%2f..%2fowb-secret.txt", "/static/%2e%2e/%2e%2e/owb-secret.txt", "/static/..%5c..%5cowb-secret.txt"]) {
        const res = await t.request("GET", path);
        expect(res.text).not.toBe("secret");
      }
    });

    test("cache files are served to signed-in users, never from outside the cache folder", async () => {
      const row = await insertUser(t.ctx, { role: "user", name: "Cache Reader" });
      const reader = { token: t.tokenFor(row.id) };
      const cache = join(t.ctx.env.dataDir, "cache");
      mkdirSync(join(cache, "audio", "speech"), { recursive: true });
      writeFileSync(join(cache, "audio", "speech", "x.mp3"), "ID3");
      writeFileSync(join(t.ctx.env.dataDir, "outside.txt"), "secret");
      expect((await t.request("GET", "/cache/audio/speech/x.mp3")).status).toBe(401);
      expect((await t.request("GET", "/cache/audio/speech/x.mp3", { token: reader.token })).text).toBe("ID3");
      const missing = await t.request("GET", "/cache/audio/none.mp3", { token: reader.token });
      expect([missing.status, missing.body.detail]).toEqual([404, "File not found"]);
      expect((await t.request("GET", "/cache/audio", { token: reader.token })).status).toBe(404);
      for (const path of ["/cache/..%2foutside.txt", "/cache/%2e%2e/outside.txt", "/cache/..%5coutside.txt"]) {
        expect((await t.request("GET", path, { token: reader.token })).text).not.toBe("secret");
      }
    });

    test("malformed JSON bodies get a 422 with a detail, not a 500", async () => {
      // No body route exists yet in the foundation; any POST to a page path is not a 500.
      const res = await t.request("POST", "/health", { body: "{not json" });
      expect(res.status).toBeLessThan(500);
      expect(res.body.detail).toBeDefined();
    });
  });
}

describe("CORS", () => {
  test("with the default '*', no credentials are allowed", async () => {
    const t = await startTestApp("sqlite");
    const res = await t.request("GET", "/health", { headers: { origin: "https://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    await t.close();
    await t.database.drop();
  });

  test("with a list, listed origins get credentials and others get nothing", async () => {
    const t = await startTestApp("sqlite", { CORS_ALLOW_ORIGIN: "https://app.example;https://admin.example" });
    const ok = await t.request("GET", "/health", { headers: { origin: "https://app.example" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    const other = await t.request("GET", "/health", { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await t.request("OPTIONS", "/api/config", {
      headers: { origin: "https://admin.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    await t.close();
    await t.database.drop();
  });

  test("a request without an Origin gets no CORS headers, as from Starlette", async () => {
    const t = await startTestApp("sqlite");
    const res = await t.request("GET", "/api/config");
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((name) => name.startsWith("access-control-") || name === "vary")).toEqual([]);
    await t.close();
    await t.database.drop();
  });

  test("a preflight allows every method and the requested headers", async () => {
    const t = await startTestApp("sqlite");
    const res = await t.request("OPTIONS", "/api/models", {
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization, x-custom",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toBe("DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, x-custom");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    await t.close();
    await t.database.drop();
  });
});
