// LDAP sign-in against a real OpenLDAP directory on loopback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { BASE_LDIF, LDAP_SUFFIX, person, slapdAvailable, startLdapServer, type LdapServer } from "../support/ldap-server";

describe.skipIf(!slapdAvailable)("LDAP sign-in", () => {
  let ldap: LdapServer;
  let t: TestApp;
  beforeAll(async () => {
    ldap = await startLdapServer(
      BASE_LDIF +
        "\n" +
        person("grace", "Grace@Example.org", "Grace Hopper", "cobol-rules", ["Navy", "Research"]) +
        "\n" +
        person("alan", "alan@example.org", "Alan Turing", "enigma") +
        "\n" +
        person("ada", "ada@example.org", "Ada Lovelace", "engine", ["Research", "Math"]),
    );
    t = await startTestApp("sqlite", {
      ENABLE_LDAP: "true",
      LDAP_SERVER_HOST: "127.0.0.1",
      LDAP_SERVER_PORT: String(ldap.port),
      LDAP_USE_TLS: "false",
      LDAP_APP_DN: `cn=admin,${LDAP_SUFFIX}`,
      LDAP_APP_PASSWORD: "admin-secret",
      LDAP_SEARCH_BASE: `ou=people,${LDAP_SUFFIX}`,
      ENABLE_LDAP_GROUP_MANAGEMENT: "true",
      ENABLE_LDAP_GROUP_CREATION: "true",
      LDAP_ATTRIBUTE_FOR_GROUPS: "description",
    });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await t?.database.drop();
    await ldap?.stop();
  }, 30_000);

  test("the first directory user becomes the local admin, with a session", async () => {
    const res = await t.request("POST", "/api/v1/auths/ldap", { body: { user: "Grace", password: "cobol-rules" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: "grace@example.org", name: "Grace Hopper", role: "admin", token_type: "Bearer" });
    expect(res.headers.get("set-cookie")).toContain("token=");
    // Its local password is not a hash: e-mail/password sign-in never works for it.
    const local = await t.request("POST", "/api/v1/auths/signin", { body: { email: "grace@example.org", password: "cobol-rules" } });
    expect(local.status).toBe(400);
  });

  test("later users get the default role and their directory groups", async () => {
    const res = await t.request("POST", "/api/v1/auths/ldap", { body: { user: "alan", password: "enigma" } });
    expect(res.body.role).toBe("pending");
    const again = await t.request("POST", "/api/v1/auths/ldap", { body: { user: "alan", password: "enigma" } });
    expect(again.body.id).toBe(res.body.id);

    const ada = await t.request("POST", "/api/v1/auths/ldap", { body: { user: "ada", password: "engine" } });
    const admin = await t.request("POST", "/api/v1/auths/ldap", { body: { user: "grace", password: "cobol-rules" } });
    const groups = (await t.request("GET", "/api/v1/groups/", { token: admin.body.token })).body;
    expect(groups.map((g: any) => g.name).sort()).toEqual(["Math", "Research"]);
    for (const group of groups) expect(group.user_ids).toEqual([ada.body.id]);
  });

  test("wrong password, unknown user, filter injection and an empty password all fail alike", async () => {
    for (const body of [
      { user: "alan", password: "wrong" },
      { user: "nobody", password: "x" },
      { user: "*", password: "enigma" },
      { user: "alan)(uid=*", password: "enigma" },
      { user: "alan", password: "" },
    ]) {
      const res = await t.request("POST", "/api/v1/auths/ldap", { body });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe("LDAP authentication failed.");
    }
  });

  test("disabled LDAP and an unreachable server are clear 400s", async () => {
    await t.ctx.config.set({ ENABLE_LDAP: false });
    const off = await t.request("POST", "/api/v1/auths/ldap", { body: { user: "alan", password: "enigma" } });
    expect(off.body.detail).toBe("LDAP authentication is not enabled");
    await t.ctx.config.set({ ENABLE_LDAP: true, LDAP_SERVER_PORT: 1 });
    const down = await t.request("POST", "/api/v1/auths/ldap", { body: { user: "alan", password: "enigma" } });
    expect(down.status).toBe(400);
    expect(down.body.detail).toBe("LDAP authentication failed.");
    await t.ctx.config.set({ LDAP_SERVER_PORT: ldap.port });
  });
});
