// GET /api/version/updates against a fake release server on loopback: the answer, the switches
// (ENABLE_VERSION_UPDATE_CHECK, OFFLINE_MODE), the cache, and that a slow or broken release
// server never holds a request for more than a second.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { signUp } from "../support/accounts";
import { ReleaseChecker } from "../../src/system/updates";

type Mode = "ok" | "slow" | "error" | "garbage";

function fakeReleaseServer() {
  const state = { mode: "ok" as Mode, hits: 0, tag: "v0.6.40" };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch() {
      state.hits++;
      if (state.mode === "slow") await Bun.sleep(3000);
      if (state.mode === "error") return new Response("rate limited", { status: 403 });
      if (state.mode === "garbage") return Response.json({ message: "no tag here" });
      return Response.json({ tag_name: state.tag, name: "release" });
    },
  });
  return { state, url: `http://127.0.0.1:${server.port}/releases/latest`, stop: () => server.stop(true) };
}

describe("GET /api/version/updates", () => {
  const fake = fakeReleaseServer();
  const apps: TestApp[] = [];
  const appWith = async (env: Record<string, string>) => {
    const t = await startTestApp("sqlite", { VERSION_UPDATE_CHECK_URL: fake.url, ...env });
    apps.push(t);
    const admin = await signUp(t, "admin@example.com");
    return { t, token: admin.token };
  };
  afterAll(async () => {
    for (const t of apps) {
      await t.close();
      await t.database.drop();
    }
    fake.stop();
  });

  test("answers the latest release without its leading v, and asks once an hour", async () => {
    fake.state.mode = "ok";
    const before = fake.state.hits;
    const { t, token } = await appWith({});
    const res = await t.request("GET", "/api/version/updates", { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ current: "0.6.32", latest: "0.6.40" });
    await t.request("GET", "/api/version/updates", { token });
    expect(fake.state.hits - before).toBe(1);
    expect((await t.request("GET", "/api/config", { token })).body.features.enable_version_update_check).toBe(true);
  });

  for (const env of [{ ENABLE_VERSION_UPDATE_CHECK: "false" }, { OFFLINE_MODE: "true" }] as Record<string, string>[]) {
    test(`${Object.keys(env)[0]}=${Object.values(env)[0]}: the current version, and nothing is asked`, async () => {
      const before = fake.state.hits;
      const { t, token } = await appWith(env);
      expect((await t.request("GET", "/api/version/updates", { token })).body).toEqual({ current: "0.6.32", latest: "0.6.32" });
      expect(fake.state.hits).toBe(before);
      expect((await t.request("GET", "/api/config", { token })).body.features.enable_version_update_check).toBe(false);
    });
  }
});

describe("ReleaseChecker", () => {
  const fake = fakeReleaseServer();
  afterAll(() => fake.stop());
  beforeAll(() => {
    fake.state.hits = 0;
  });

  test("a slow release server: the current version within a second, the release once it arrives", async () => {
    fake.state.mode = "slow";
    fake.state.tag = "v0.7.0";
    const checker = new ReleaseChecker({ url: fake.url });
    // The server takes 3 s; each request waits about 1 s (bounds leave room for a busy machine).
    const started = performance.now();
    expect(await checker.latestVersion()).toBe("0.6.32");
    expect(performance.now() - started).toBeLessThan(2000);
    // A second request while the check is still running joins it instead of asking again.
    const again = performance.now();
    expect(await checker.latestVersion()).toBe("0.6.32");
    expect(performance.now() - again).toBeLessThan(2000);
    let latest = "0.6.32";
    for (let i = 0; i < 10 && latest === "0.6.32"; i++) latest = await checker.latestVersion();
    expect(latest).toBe("0.7.0");
    expect(fake.state.hits).toBe(1);
  }, 20_000);

  test("an error or an answer without a tag: the current version, and no new try for a while", async () => {
    for (const mode of ["error", "garbage"] as const) {
      fake.state.mode = mode;
      const before = fake.state.hits;
      const checker = new ReleaseChecker({ url: fake.url });
      expect(await checker.latestVersion()).toBe("0.6.32");
      expect(await checker.latestVersion()).toBe("0.6.32");
      expect(fake.state.hits - before).toBe(1);
    }
  });

  test("a failed refresh keeps the last release known", async () => {
    fake.state.mode = "ok";
    fake.state.tag = "v0.6.41";
    const checker = new ReleaseChecker({ url: fake.url, successTtlMs: 0 });
    expect(await checker.latestVersion()).toBe("0.6.41");
    fake.state.mode = "error";
    expect(await checker.latestVersion()).toBe("0.6.41");
  });

  test("an unreachable release server answers at once", async () => {
    const closed = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}/`;
    closed.stop(true);
    const checker = new ReleaseChecker({ url });
    const started = performance.now();
    expect(await checker.latestVersion()).toBe("0.6.32");
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
