// OpenAPI tool servers on both databases: the admin's connections (/api/v1/configs/tool_servers,
// verify), and the servers listed by GET /api/v1/tools/ as `server:<id>` entries with each
// connection's access control. The tool server is a fake on loopback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { createGroup, grants } from "../support/workspace";
import { startFakeToolServer, type FakeToolServer } from "../fakes/tool-server";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    let server: FakeToolServer;
    let team: string;

    const connection = (extra: Record<string, unknown> = {}) => ({
      url: server.url,
      path: "openapi.json",
      auth_type: "bearer",
      key: "tool-key",
      config: { enable: true, access_control: null },
      info: { id: "", name: "", description: "" },
      ...extra,
    });
    const save = (connections: unknown[], token = admin.token) =>
      t.request("POST", "/api/v1/configs/tool_servers", { token, body: { TOOL_SERVER_CONNECTIONS: connections } });
    const listed = async (who: Account) =>
      ((await t.request("GET", "/api/v1/tools/", { token: who.token })).body as any[]).filter((x) => x.id.startsWith("server:"));
    const stored = async () => {
      const rows = await t.ctx.db.execute("SELECT data FROM config");
      const data = rows[0]?.data;
      return typeof data === "string" ? JSON.parse(data) : data;
    };

    beforeAll(async () => {
      server = startFakeToolServer();
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      team = await createGroup(t, admin, "Team", [alice]);
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
      await server.stop();
    });

    test("no connections at first; saving stores them in Open WebUI's layout", async () => {
      expect((await t.request("GET", "/api/v1/configs/tool_servers", { token: admin.token })).body).toEqual({ TOOL_SERVER_CONNECTIONS: [] });
      const res = await save([{ ...connection(), spec_type: "url", spec: "" }]);
      expect(res.status).toBe(200);
      const expected = {
        url: server.url,
        path: "openapi.json",
        type: "openapi",
        auth_type: "bearer",
        key: "tool-key",
        config: { enable: true, access_control: null },
        info: { id: "", name: "", description: "" },
        spec_type: "url",
        spec: "",
      };
      expect(res.body).toEqual({ TOOL_SERVER_CONNECTIONS: [expected] });
      expect(Object.keys(res.body.TOOL_SERVER_CONNECTIONS[0])).toEqual(Object.keys(expected));
      expect((await stored()).tool_server.connections).toEqual([expected]);
      expect((await t.request("GET", "/api/v1/configs/tool_servers", { token: admin.token })).body).toEqual({ TOOL_SERVER_CONNECTIONS: [expected] });
      // Saving fetched the spec with the connection's key.
      const fetched = server.requests.filter((r) => r.path === "/openapi.json").at(-1)!;
      expect(fetched.headers.authorization).toBe("Bearer tool-key");
      expect(fetched.headers.accept).toBe("application/json");
    });

    test("malformed connections are refused with 422 and change nothing", async () => {
      const before = (await t.request("GET", "/api/v1/configs/tool_servers", { token: admin.token })).body;
      for (const bad of [{ url: server.url }, { ...connection(), path: 3 }, { ...connection(), config: "on" }]) {
        const res = await save([bad]);
        expect(res.status).toBe(422);
        expect(Array.isArray(res.body.detail)).toBe(true);
      }
      expect((await t.request("POST", "/api/v1/configs/tool_servers", { token: admin.token, body: {} })).status).toBe(422);
      expect((await t.request("POST", "/api/v1/configs/tool_servers/verify", { token: admin.token, body: { url: server.url } })).status).toBe(422);
      expect((await t.request("GET", "/api/v1/configs/tool_servers", { token: admin.token })).body).toEqual(before);
    });

    test("users cannot read, save or verify connections", async () => {
      expect((await t.request("GET", "/api/v1/configs/tool_servers", { token: alice.token })).status).toBe(401);
      expect((await save([], alice.token)).status).toBe(401);
      const verify = await t.request("POST", "/api/v1/configs/tool_servers/verify", { token: alice.token, body: connection() });
      expect(verify.status).toBe(401);
    });

    test("verify answers the server's spec, or 400 when it cannot be read", async () => {
      const ok = await t.request("POST", "/api/v1/configs/tool_servers/verify", { token: admin.token, body: connection({ key: "other-key" }) });
      expect(ok.status).toBe(200);
      expect(ok.body.info.title).toBe("Weather Tools");
      expect(ok.body.paths["/weather/{city}"].get.operationId).toBe("get_weather");
      expect(server.requests.at(-1)!.headers.authorization).toBe("Bearer other-key");

      const session = await t.request("POST", "/api/v1/configs/tool_servers/verify", {
        token: admin.token,
        body: connection({ auth_type: "session", key: null }),
      });
      expect(session.status).toBe(200);
      expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${admin.token}`);

      const yaml = await t.request("POST", "/api/v1/configs/tool_servers/verify", {
        token: admin.token,
        body: connection({ path: `${server.url}/openapi.yaml` }),
      });
      expect(yaml.body.info.title).toBe("Yaml Tools");

      for (const bad of [connection({ path: "missing.json" }), connection({ url: "http://127.0.0.1:9" }), connection({ url: "ftp://example.com" })]) {
        const res = await t.request("POST", "/api/v1/configs/tool_servers/verify", { token: admin.token, body: bad });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ detail: "Failed to connect to the tool server" });
      }
      const mcp = await t.request("POST", "/api/v1/configs/tool_servers/verify", { token: admin.token, body: connection({ type: "mcp" }) });
      expect(mcp.status).toBe(400);
    });

    test("GET /api/v1/tools/ lists the servers as server:<id> entries, with each connection's access control", async () => {
      await save([
        connection(),
        connection({ config: { enable: true, access_control: {} }, info: { id: "wx", name: "Named", description: "Mine" } }),
        connection({ config: { enable: true, access_control: grants({ groups: [team] }) }, info: { id: "team" } }),
        connection({ config: { enable: false } }),
        connection({ spec_type: "json", spec: JSON.stringify({ info: { title: "Inline" }, paths: {} }), url: "http://127.0.0.1:9", info: {} }),
      ]);
      const all = await listed(admin);
      expect(all.map((x) => x.id)).toEqual(["server:0", "server:wx", "server:team", "server:4"]);
      expect(all[0]).toEqual({
        id: "server:0",
        user_id: "server:0",
        name: "",
        meta: { description: "", manifest: {} },
        access_control: null,
        updated_at: expect.any(Number),
        created_at: expect.any(Number),
        user: null,
      });
      expect(all[1]).toMatchObject({ name: "Named", meta: { description: "Mine" }, access_control: {} });
      expect(all[2]).toMatchObject({ name: "Weather Tools", meta: { description: "Weather and notes" } });
      expect(all[3]).toMatchObject({ name: "Inline" });

      expect((await listed(alice)).map((x) => x.id)).toEqual(["server:0", "server:team", "server:4"]);
      expect((await listed(bob)).map((x) => x.id)).toEqual(["server:0", "server:4"]);
      // The /list route shows only the tools the caller may edit: never servers.
      expect((await t.request("GET", "/api/v1/tools/list", { token: admin.token })).body).toEqual([]);
    });

    test("a server that does not answer is left out and does not hold the list up", async () => {
      // Set directly (saving through the route waits for the specs, as the admin asked for them).
      await t.ctx.config.set({
        TOOL_SERVER_CONNECTIONS: [connection({ info: { id: "slow" } }), connection({ url: "http://127.0.0.1:9", info: { id: "dead" } })],
      });
      server.specDelayMs = 4_000;
      try {
        const started = performance.now();
        expect(await listed(alice)).toEqual([]);
        expect(performance.now() - started).toBeLessThan(3_500);
        const again = performance.now();
        await listed(alice);
        expect(performance.now() - again).toBeLessThan(500);
      } finally {
        server.specDelayMs = 0;
      }
      // Once the slow spec has arrived it is listed.
      await Bun.sleep(2_500);
      expect((await listed(alice)).map((x) => x.id)).toEqual(["server:slow"]);
    }, 20_000);
  });
}
