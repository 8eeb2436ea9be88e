// PersistentConfig: stored values win over the environment and are written in Open WebUI's layout.
import { afterEach, describe, expect, test } from "bun:test";
import { openTestApp, startTestApp, type TestApp } from "../support/app";
import { dialects } from "../support/databases";

for (const dialect of dialects) {
  describe(dialect, () => {
    let apps: TestApp[] = [];
    afterEach(async () => {
      for (const app of apps) await app.close();
      await apps[0]?.database.drop();
      apps = [];
    });

    const storedRows = async (t: TestApp) =>
      (await t.ctx.db.execute("SELECT data, version FROM config")).map((r) => ({
        data: typeof r.data === "string" ? JSON.parse(r.data) : r.data,
        version: r.version,
      }));

    test("an empty table means environment values", async () => {
      const t = await startTestApp(dialect, { ENABLE_SIGNUP: "false", DEFAULT_USER_ROLE: "user" });
      apps.push(t);
      expect(t.ctx.config.get("ENABLE_SIGNUP")).toBe(false);
      expect(t.ctx.config.get("DEFAULT_USER_ROLE")).toBe("user");
      expect(await storedRows(t)).toEqual([]);
    });

    test("saving writes Open WebUI's layout and survives a restart, over the environment", async () => {
      const t = await startTestApp(dialect);
      apps.push(t);
      await t.ctx.config.set({ ENABLE_SIGNUP: false });
      expect(await storedRows(t)).toEqual([{ data: { version: 0, ui: { enable_signup: false } }, version: 0 }]);
      await t.ctx.config.set({ JWT_EXPIRES_IN: "4w", ENABLE_API_KEY: false });
      expect((await storedRows(t))[0]?.data).toEqual({
        version: 0,
        ui: { enable_signup: false },
        auth: { jwt_expiry: "4w", api_key: { enable: false } },
      });

      const restarted = await openTestApp(t.database, { ENABLE_SIGNUP: "true", JWT_EXPIRES_IN: "1h" });
      apps.push(restarted);
      expect(restarted.ctx.config.get("ENABLE_SIGNUP")).toBe(false);
      expect(restarted.ctx.config.get("JWT_EXPIRES_IN")).toBe("4w");
      expect(restarted.ctx.config.get("ENABLE_API_KEY")).toBe(false);

      const ignoring = await openTestApp(t.database, { ENABLE_PERSISTENT_CONFIG: "false", JWT_EXPIRES_IN: "1h" });
      apps.push(ignoring);
      expect(ignoring.ctx.config.get("JWT_EXPIRES_IN")).toBe("1h");
    });

    test("a row written by the Python backend is read, JSON null counting as absent", async () => {
      const t = await startTestApp(dialect);
      apps.push(t);
      const data = JSON.stringify({ version: 0, ui: { enable_signup: false, default_user_role: null }, webui: { url: "https://chat.example" } });
      await t.ctx.db.execute(`INSERT INTO config (data, version) VALUES ('${data}', 0)`);
      const restarted = await openTestApp(t.database, { DEFAULT_USER_ROLE: "user" });
      apps.push(restarted);
      expect(restarted.ctx.config.get("ENABLE_SIGNUP")).toBe(false);
      expect(restarted.ctx.config.get("WEBUI_URL")).toBe("https://chat.example");
      expect(restarted.ctx.config.get("DEFAULT_USER_ROLE")).toBe("user");
      // Keys this server does not know are kept when it saves.
      await restarted.ctx.config.set({ ENABLE_LOGIN_FORM: false });
      expect((await storedRows(restarted))[0]?.data).toEqual({
        version: 0,
        ui: { enable_signup: false, default_user_role: null, ENABLE_LOGIN_FORM: false },
        webui: { url: "https://chat.example" },
      });
    });
  });
}
