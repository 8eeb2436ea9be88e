import { describe, expect, test } from "bun:test";
import { ConfigError, readEnv } from "../../src/core/env";

const read = (source: Record<string, string>) => readEnv(source, "/srv/app");

describe("environment", () => {
  test("defaults follow Open WebUI", () => {
    const env = read({});
    expect(env.port).toBe(8080);
    expect(env.host).toBe("0.0.0.0");
    expect(env.dataDir).toBe("/srv/app/data");
    expect(env.database).toEqual({ dialect: "sqlite", path: "/srv/app/data/webui.db" });
    expect(env.uploadDir).toBe("/srv/app/data/uploads");
    expect(env.corsAllowOrigins).toEqual(["*"]);
    expect(env.webuiName).toBe("Open WebUI");
    expect(env.logLevel).toBe("INFO");
    expect(env.redisKeyPrefix).toBe("open-webui");
    expect(env.cookie).toEqual({ sameSite: "lax", secure: false });
  });

  test("a custom name gets Open WebUI's suffix", () => {
    expect(read({ WEBUI_NAME: "Acme Chat" }).webuiName).toBe("Acme Chat (Open WebUI)");
  });

  test("database URLs: relative and absolute SQLite files, postgres:// rewritten", () => {
    expect(read({ DATABASE_URL: "sqlite:///db/x.db" }).database).toEqual({ dialect: "sqlite", path: "/srv/app/db/x.db" });
    expect(read({ DATABASE_URL: "sqlite:////var/x.db" }).database).toEqual({ dialect: "sqlite", path: "/var/x.db" });
    expect(read({ DATABASE_URL: "postgres://u:p@db:5432/webui" }).database).toEqual({
      dialect: "postgres",
      url: "postgresql://u:p@db:5432/webui",
    });
  });

  test.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["DATABASE_URL", "mysql://root@localhost/webui"],
    ["DATABASE_URL", "not a url"],
    ["DATABASE_POOL_SIZE", "many"],
    ["ENABLE_PERSISTENT_CONFIG", "maybe"],
    ["GLOBAL_LOG_LEVEL", "LOUD"],
    ["CORS_ALLOW_ORIGIN", "example.com"],
    ["REDIS_URL", "localhost:6379"],
    ["WEBUI_SESSION_COOKIE_SAME_SITE", "sometimes"],
  ])("a bad %s (%s) names the variable", (name, value) => {
    expect(() => read({ [name]: value })).toThrow(ConfigError);
    try {
      read({ [name]: value });
    } catch (error) {
      expect((error as ConfigError).variable).toBe(name);
      expect((error as Error).message.startsWith(`${name}:`)).toBe(true);
    }
  });

  test("CORS origins are a semicolon list", () => {
    expect(read({ CORS_ALLOW_ORIGIN: "https://a.example;http://b.example:3000/" }).corsAllowOrigins).toEqual([
      "https://a.example",
      "http://b.example:3000",
    ]);
  });

  test("cookie settings inherit the session values", () => {
    const env = read({ WEBUI_SESSION_COOKIE_SAME_SITE: "strict", WEBUI_SESSION_COOKIE_SECURE: "true" });
    expect(env.cookie).toEqual({ sameSite: "strict", secure: true });
    expect(read({ WEBUI_SESSION_COOKIE_SECURE: "true", WEBUI_AUTH_COOKIE_SECURE: "false" }).cookie.secure).toBe(false);
  });
});
