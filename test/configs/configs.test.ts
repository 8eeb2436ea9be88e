// /api/v1/configs on both databases: each admin page's settings are saved in Open WebUI's layout.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApp, startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let user: Account;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com");
      user = await addUser(t, admin, "user@example.com");
    });
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    const stored = async () => {
      const rows = await t.ctx.db.execute("SELECT data FROM config");
      const data = rows[0]?.data;
      return typeof data === "string" ? JSON.parse(data) : data;
    };

    test("banners: admins set them, every verified user reads them", async () => {
      const banner = { id: "b1", type: "info", title: "Hello", content: "Maintenance at 6", dismissible: true, timestamp: 1700000000 };
      const saved = await t.request("POST", "/api/v1/configs/banners", { token: admin.token, body: { banners: [banner] } });
      expect(saved.body).toEqual([banner]);
      expect((await t.request("GET", "/api/v1/configs/banners", { token: user.token })).body).toEqual([banner]);
      expect((await stored()).ui.banners).toEqual([banner]);
      expect((await t.request("POST", "/api/v1/configs/banners", { token: user.token, body: { banners: [] } })).status).toBe(401);
      expect((await t.request("POST", "/api/v1/configs/banners", { token: admin.token, body: { banners: [{ id: 1 }] } })).status).toBe(422);
    });

    test("default models, order and prompt suggestions reach /api/config", async () => {
      const models = await t.request("POST", "/api/v1/configs/models", {
        token: admin.token,
        body: { DEFAULT_MODELS: "gpt-4o,llama3", MODEL_ORDER_LIST: ["llama3", "gpt-4o"] },
      });
      expect(models.body).toEqual({ DEFAULT_MODELS: "gpt-4o,llama3", MODEL_ORDER_LIST: ["llama3", "gpt-4o"] });
      const suggestions = [{ title: ["Say", "hello"], content: "Say hello" }];
      expect((await t.request("POST", "/api/v1/configs/suggestions", { token: admin.token, body: { suggestions } })).body).toEqual(suggestions);
      const config = (await t.request("GET", "/api/config", { token: user.token })).body;
      expect(config.default_models).toBe("gpt-4o,llama3");
      expect(config.default_prompt_suggestions).toEqual(suggestions);
      const data = await stored();
      expect(data.ui.default_models).toBe("gpt-4o,llama3");
      expect(data.ui.model_order_list).toEqual(["llama3", "gpt-4o"]);
      expect(data.ui.prompt_suggestions).toEqual(suggestions);
    });

    test("connections and code execution settings", async () => {
      expect((await t.request("GET", "/api/v1/configs/connections", { token: admin.token })).body).toEqual({
        ENABLE_DIRECT_CONNECTIONS: false,
        ENABLE_BASE_MODELS_CACHE: false,
      });
      await t.request("POST", "/api/v1/configs/connections", { token: admin.token, body: { ENABLE_DIRECT_CONNECTIONS: true, ENABLE_BASE_MODELS_CACHE: false } });
      expect((await t.request("GET", "/api/config", { token: user.token })).body.features.enable_direct_connections).toBe(true);

      const code = (await t.request("GET", "/api/v1/configs/code_execution", { token: admin.token })).body;
      expect(code).toMatchObject({ ENABLE_CODE_EXECUTION: true, CODE_EXECUTION_ENGINE: "pyodide", CODE_EXECUTION_JUPYTER_TIMEOUT: 60 });
      const changed = await t.request("POST", "/api/v1/configs/code_execution", {
        token: admin.token,
        body: { ...code, CODE_EXECUTION_ENGINE: "jupyter", CODE_EXECUTION_JUPYTER_URL: "http://jupyter:8888" },
      });
      expect(changed.body).toMatchObject({ CODE_EXECUTION_ENGINE: "jupyter", CODE_EXECUTION_JUPYTER_URL: "http://jupyter:8888" });
      expect((await stored()).code_execution).toMatchObject({ engine: "jupyter", jupyter: { url: "http://jupyter:8888" } });
      expect((await t.request("POST", "/api/v1/configs/code_execution", { token: admin.token, body: { ENABLE_CODE_EXECUTION: true } })).status).toBe(422);
    });

    test("export gives the stored JSON; import replaces it and takes effect", async () => {
      const exported = (await t.request("GET", "/api/v1/configs/export", { token: admin.token })).body;
      expect(exported.version).toBe(0);
      expect(exported.ui.enable_signup).toBe(false);
      const imported = await t.request("POST", "/api/v1/configs/import", {
        token: admin.token,
        body: { config: { ...exported, ui: { ...exported.ui, default_user_role: "user", banners: [] } } },
      });
      expect(imported.body.ui.default_user_role).toBe("user");
      expect(t.ctx.config.get("DEFAULT_USER_ROLE")).toBe("user");
      expect((await t.request("GET", "/api/v1/configs/banners", { token: user.token })).body).toEqual([]);
      const restarted = await openTestApp(t.database);
      expect(restarted.ctx.config.get("DEFAULT_USER_ROLE")).toBe("user");
      await restarted.close();
      expect((await t.request("GET", "/api/v1/configs/export", { token: user.token })).status).toBe(401);
      expect((await t.request("POST", "/api/v1/configs/import", { token: admin.token, body: { config: "x" } })).status).toBe(422);
    });
  });
}
