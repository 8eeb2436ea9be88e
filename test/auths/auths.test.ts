// /api/v1/auths on both databases: sign-up, sign-in, tokens, cookies, API keys, admin settings.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { signToken } from "../../src/core/jwt";
import { startTestApp, TEST_SECRET, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";

// Made by the Python 0.6.32 backend (passlib bcrypt): "adminpass", and "é" x 40 (80 bytes, so
// only its first 72 bytes count).
const PYTHON_HASH_ADMINPASS = "$2b$12$GFpJs3vvS/5eGvpQ3CoOXu8Hg9iiLuqaS3oRNtmOGh9HVNKWjz4ra";
const PYTHON_HASH_LONG = "$2b$12$YZdyd3RBKmGB6wzIowPJsuQNvYPAQ1MA12Xe4viIixWK7vCb0nrVe";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("concurrent first sign-ups make exactly one admin, and sign-up then closes", async () => {
      const attempts = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          t.request("POST", "/api/v1/auths/signup", { body: { name: `U${i}`, email: `first${i}@example.com`, password: "pw" } }),
        ),
      );
      const created = attempts.filter((r) => r.status === 200);
      const refused = attempts.filter((r) => r.status === 403);
      expect(created.map((r) => r.body.role).filter((role) => role === "admin")).toHaveLength(1);
      expect(created.length + refused.length).toBe(4);
      const first = created.find((r) => r.body.role === "admin")!;
      admin = { id: first.body.id, token: first.body.token, email: first.body.email, role: "admin" };
      expect(t.ctx.config.get("ENABLE_SIGNUP")).toBe(false);
      const rows = await t.ctx.db.execute("SELECT data FROM config");
      const data = typeof rows[0]?.data === "string" ? JSON.parse(rows[0].data as string) : rows[0]?.data;
      expect(data.ui.enable_signup).toBe(false);
      const closed = await t.request("POST", "/api/v1/auths/signup", { body: { name: "X", email: "late@example.com", password: "pw" } });
      expect(closed.status).toBe(403);
      expect(closed.body.detail).toBe("You do not have permission to access this resource. Please contact your administrator for assistance.");
    });

    test("the session response has the reference's shape and sets the cookie", async () => {
      const res = await t.request("POST", "/api/v1/auths/signin", { body: { email: admin.email.toUpperCase(), password: "pw" } });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(
        ["email", "expires_at", "id", "name", "permissions", "profile_image_url", "role", "token", "token_type"].sort(),
      );
      expect(res.body.token_type).toBe("Bearer");
      expect(res.body.expires_at).toBeNull();
      expect(res.body.profile_image_url).toBe("/user.png");
      expect(res.body.permissions.chat.controls).toBe(true);
      expect(res.headers.get("set-cookie")).toBe(`token=${res.body.token}; HttpOnly; Path=/; SameSite=lax`);
      // The payload is exactly {"id"}: what PyJWT makes for the same user and secret.
      expect(res.body.token).toBe(signToken({ id: admin.id }, TEST_SECRET));
    });

    test("sign-in failures and bad input", async () => {
      const wrong = await t.request("POST", "/api/v1/auths/signin", { body: { email: admin.email, password: "nope" } });
      expect(wrong.status).toBe(400);
      expect(wrong.body.detail).toBe("The email or password provided is incorrect. Please check for typos and try logging in again.");
      const unknown = await t.request("POST", "/api/v1/auths/signin", { body: { email: "ghost@example.com", password: "pw" } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toBe(wrong.body.detail);
      const missing = await t.request("POST", "/api/v1/auths/signin", { body: { email: admin.email } });
      expect(missing.status).toBe(422);
      expect(missing.body.detail[0].loc).toEqual(["body", "password"]);
      const garbage = await t.request("POST", "/api/v1/auths/signin", { body: "{oops" });
      expect(garbage.status).toBe(422);
    });

    test("hashes made by the Python backend verify here, including the 72-byte cut", async () => {
      const { user, auth } = t.ctx.db.t;
      const python = await addUser(t, admin, "python@example.com", "user", "whatever");
      await t.ctx.db.write((tx) => tx.update(auth).set({ password: PYTHON_HASH_ADMINPASS }).where(eq(auth.id, python.id)));
      expect((await t.request("POST", "/api/v1/auths/signin", { body: { email: python.email, password: "adminpass" } })).status).toBe(200);
      await t.ctx.db.write((tx) => tx.update(auth).set({ password: PYTHON_HASH_LONG }).where(eq(auth.id, python.id)));
      const long = "é".repeat(36) + "anything after byte 72";
      expect((await t.request("POST", "/api/v1/auths/signin", { body: { email: python.email, password: long } })).status).toBe(200);
      // An account whose password column is not a hash (LDAP-made) simply cannot sign in.
      await t.ctx.db.write((tx) => tx.update(auth).set({ password: crypto.randomUUID() }).where(eq(auth.id, python.id)));
      expect((await t.request("POST", "/api/v1/auths/signin", { body: { email: python.email, password: "adminpass" } })).status).toBe(400);
      expect(user).toBeDefined();
    });

    test("sign-up checks e-mail format, duplicates and password length", async () => {
      await t.ctx.config.set({ ENABLE_SIGNUP: true });
      const bad = await t.request("POST", "/api/v1/auths/signup", { body: { name: "B", email: "not-an-email", password: "pw" } });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain("The email format you entered is invalid");
      const taken = await t.request("POST", "/api/v1/auths/signup", { body: { name: "B", email: admin.email.toUpperCase(), password: "pw" } });
      expect(taken.status).toBe(400);
      expect(taken.body.detail).toContain("This email is already registered");
      const long = await t.request("POST", "/api/v1/auths/signup", { body: { name: "B", email: "long@example.com", password: "x".repeat(73) } });
      expect(long.status).toBe(400);
      expect(long.body.detail).toContain("less than 72 bytes");
      const later = await signUp(t, "later@example.com");
      expect(later.role).toBe("pending");
      await t.ctx.config.set({ ENABLE_SIGNUP: false });
    });

    test("GET /auths/ works with the header or the cookie, and refreshes the cookie", async () => {
      const byHeader = await t.request("GET", "/api/v1/auths/", { token: admin.token });
      expect(byHeader.status).toBe(200);
      expect(byHeader.body).toMatchObject({ id: admin.id, role: "admin", bio: null, gender: null, date_of_birth: null });
      expect(byHeader.headers.get("set-cookie")).toContain(`token=${admin.token}`);
      const byCookie = await t.request("GET", "/api/v1/auths/", { headers: { cookie: `token=${admin.token}` } });
      expect(byCookie.status).toBe(200);
      const none = await t.request("GET", "/api/v1/auths/");
      expect(none.status).toBe(401);
      expect(none.body.detail).toBe("Not authenticated");
      const forged = await t.request("GET", "/api/v1/auths/", { token: signToken({ id: admin.id }, "wrong") });
      expect(forged.status).toBe(401);
      expect(forged.body.detail).toBe("401 Unauthorized");
      expect(forged.headers.get("set-cookie")).toContain("token=;");
      const ghost = await t.request("GET", "/api/v1/auths/", { token: t.tokenFor("no-such-user") });
      expect(ghost.status).toBe(401);
      expect(ghost.body.detail).toBe("Your session has expired or the token is invalid. Please sign in again.");
    });

    test("JWT_EXPIRES_IN gives tokens an expiry; expired tokens are refused", async () => {
      await t.ctx.config.set({ JWT_EXPIRES_IN: "1h" });
      const res = await t.request("POST", "/api/v1/auths/signin", { body: { email: admin.email, password: "pw" } });
      const now = Math.floor(Date.now() / 1000);
      expect(res.body.expires_at).toBeGreaterThanOrEqual(now + 3599);
      expect(res.body.expires_at).toBeLessThanOrEqual(now + 3601);
      expect(res.headers.get("set-cookie")).toContain("Expires=");
      await t.ctx.config.set({ JWT_EXPIRES_IN: "-1" });
      const expired = signToken({ id: admin.id, exp: now - 1 }, TEST_SECRET);
      expect((await t.request("GET", "/api/v1/auths/", { token: expired })).status).toBe(401);
    });

    test("profile and password", async () => {
      const user = await addUser(t, admin, "profile@example.com", "user", "old-pass");
      const profile = await t.request("POST", "/api/v1/auths/update/profile", {
        token: user.token,
        body: { name: "New Name", profile_image_url: "/user.png", bio: "hello", date_of_birth: "1990-05-01" },
      });
      expect(profile.status).toBe(200);
      expect(profile.body).toEqual({ id: user.id, email: user.email, name: "New Name", role: "user", profile_image_url: "/user.png" });
      const me = await t.request("GET", "/api/v1/auths/", { token: user.token });
      expect(me.body).toMatchObject({ name: "New Name", bio: "hello", date_of_birth: "1990-05-01" });

      const wrong = await t.request("POST", "/api/v1/auths/update/password", { token: user.token, body: { password: "nope", new_password: "x" } });
      expect(wrong.status).toBe(400);
      expect(wrong.body.detail).toBe("The password provided is incorrect. Please check for typos and try again.");
      const ok = await t.request("POST", "/api/v1/auths/update/password", { token: user.token, body: { password: "old-pass", new_password: "new-pass" } });
      expect(ok.body).toBe(true);
      expect((await t.request("POST", "/api/v1/auths/signin", { body: { email: user.email, password: "new-pass" } })).status).toBe(200);
      expect((await t.request("POST", "/api/v1/auths/signin", { body: { email: user.email, password: "old-pass" } })).status).toBe(400);
    });

    test("API keys: create, read, use by Bearer and x-api-key, restrict, revoke", async () => {
      const user = await addUser(t, admin, "keys@example.com");
      expect((await t.request("GET", "/api/v1/auths/api_key", { token: user.token })).status).toBe(404);
      const created = await t.request("POST", "/api/v1/auths/api_key", { token: user.token });
      expect(created.body.api_key).toMatch(/^sk-[0-9a-f]{32}$/);
      const key = created.body.api_key as string;
      expect((await t.request("GET", "/api/v1/auths/api_key", { token: user.token })).body).toEqual({ api_key: key });
      expect((await t.request("GET", "/api/v1/users/permissions", { token: key })).status).toBe(200);
      expect((await t.request("GET", "/api/v1/users/permissions", { headers: { "x-api-key": key } })).status).toBe(200);

      await t.ctx.config.set({ ENABLE_API_KEY_ENDPOINT_RESTRICTIONS: true, API_KEY_ALLOWED_ENDPOINTS: "/api/v1/users/user" });
      const blocked = await t.request("GET", "/api/v1/users/permissions", { token: key });
      expect(blocked.status).toBe(403);
      expect(blocked.body.detail).toBe("Use of API key is not enabled in the environment.");
      expect((await t.request("GET", "/api/v1/users/permissions", { headers: { "x-api-key": key } })).status).toBe(403);
      expect((await t.request("GET", "/api/v1/users/user/settings", { token: key })).status).toBe(200);
      await t.ctx.config.set({ ENABLE_API_KEY_ENDPOINT_RESTRICTIONS: false });

      await t.ctx.config.set({ ENABLE_API_KEY: false });
      expect((await t.request("GET", "/api/v1/users/permissions", { token: key })).status).toBe(403);
      const refused = await t.request("POST", "/api/v1/auths/api_key", { token: user.token });
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toBe("API key creation is not allowed in the environment.");
      await t.ctx.config.set({ ENABLE_API_KEY: true });

      expect((await t.request("DELETE", "/api/v1/auths/api_key", { token: user.token })).body).toBe(true);
      const revoked = await t.request("GET", "/api/v1/users/permissions", { token: key });
      expect(revoked.status).toBe(401);
      expect((await t.request("GET", "/api/v1/users/permissions", { token: "sk-00000000000000000000000000000000" })).status).toBe(401);
    });

    test("admin adds users; only admins may", async () => {
      const added = await t.request("POST", "/api/v1/auths/add", {
        token: admin.token,
        body: { name: "Added", email: "Added@Example.com", password: "pw" },
      });
      expect(added.status).toBe(200);
      expect(added.body).toMatchObject({ email: "added@example.com", role: "pending", token_type: "Bearer", profile_image_url: "/user.png" });
      const dup = await t.request("POST", "/api/v1/auths/add", { token: admin.token, body: { name: "A", email: "added@example.com", password: "pw" } });
      expect(dup.status).toBe(400);
      const badRole = await t.request("POST", "/api/v1/auths/add", { token: admin.token, body: { name: "A", email: "r@example.com", password: "pw", role: "god" } });
      expect(badRole.status).toBe(422);
      const user = await addUser(t, admin, "notadmin@example.com");
      const denied = await t.request("POST", "/api/v1/auths/add", { token: user.token, body: { name: "A", email: "z@example.com", password: "pw" } });
      expect(denied.status).toBe(401);
      expect((await t.request("POST", "/api/v1/auths/add", { body: { name: "A", email: "z@example.com", password: "pw" } })).status).toBe(401);
    });

    test("admin settings are read and saved; bad values are ignored like the reference", async () => {
      const current = (await t.request("GET", "/api/v1/auths/admin/config", { token: admin.token })).body;
      expect(current.DEFAULT_USER_ROLE).toBe("pending");
      const saved = await t.request("POST", "/api/v1/auths/admin/config", {
        token: admin.token,
        body: { ...current, DEFAULT_USER_ROLE: "user", JWT_EXPIRES_IN: "4w", WEBUI_URL: "https://chat.example", ENABLE_CHANNELS: true },
      });
      expect(saved.body).toMatchObject({ DEFAULT_USER_ROLE: "user", JWT_EXPIRES_IN: "4w", WEBUI_URL: "https://chat.example", ENABLE_CHANNELS: true });
      const ignored = await t.request("POST", "/api/v1/auths/admin/config", {
        token: admin.token,
        body: { ...saved.body, DEFAULT_USER_ROLE: "superuser", JWT_EXPIRES_IN: "forever" },
      });
      expect(ignored.body).toMatchObject({ DEFAULT_USER_ROLE: "user", JWT_EXPIRES_IN: "4w" });
      const partial = await t.request("POST", "/api/v1/auths/admin/config", { token: admin.token, body: { ENABLE_SIGNUP: true } });
      expect(partial.status).toBe(422);
      const user = await addUser(t, admin, "settings@example.com");
      expect((await t.request("GET", "/api/v1/auths/admin/config", { token: user.token })).status).toBe(401);
      expect((await t.request("POST", "/api/v1/auths/admin/config", { token: user.token, body: current })).status).toBe(401);
      await t.request("POST", "/api/v1/auths/admin/config", { token: admin.token, body: current });
    });

    test("LDAP settings are admin-only and persisted", async () => {
      expect((await t.request("GET", "/api/v1/auths/admin/config/ldap", { token: admin.token })).body).toEqual({ ENABLE_LDAP: false });
      const server = (await t.request("GET", "/api/v1/auths/admin/config/ldap/server", { token: admin.token })).body;
      expect(server).toMatchObject({ label: "LDAP Server", host: "localhost", port: 389, attribute_for_mail: "mail" });
      const empty = await t.request("POST", "/api/v1/auths/admin/config/ldap/server", { token: admin.token, body: { ...server, app_dn: "" } });
      expect(empty.status).toBe(400);
      expect(empty.body.detail).toBe("Required field app_dn is empty");
      const saved = await t.request("POST", "/api/v1/auths/admin/config/ldap/server", {
        token: admin.token,
        body: { ...server, host: "ldap.example", app_dn: "cn=app", app_dn_password: "x", search_base: "dc=example" },
      });
      expect(saved.body.host).toBe("ldap.example");
      expect(t.ctx.config.get("LDAP_SERVER_HOST")).toBe("ldap.example");
      const user = await addUser(t, admin, "ldapcfg@example.com");
      expect((await t.request("GET", "/api/v1/auths/admin/config/ldap/server", { token: user.token })).status).toBe(401);
      expect((await t.request("POST", "/api/v1/auths/admin/config/ldap", { token: user.token, body: { enable_ldap: true } })).status).toBe(401);
    });

    test("admin details for the pending overlay, and sign-out", async () => {
      const pending = await addUser(t, admin, "waiting@example.com", "pending");
      const details = await t.request("GET", "/api/v1/auths/admin/details", { token: pending.token });
      expect(details.body).toEqual({ name: "U" + details.body.name.slice(1), email: admin.email });
      expect((await t.request("GET", "/api/v1/users/permissions", { token: pending.token })).status).toBe(401);
      const out = await t.request("GET", "/api/v1/auths/signout");
      expect(out.body).toEqual({ status: true });
      expect(out.headers.getSetCookie().some((c) => c.startsWith("token="))).toBe(true);
    });
  });
}

describe("other sign-in modes", () => {
  test("WEBUI_AUTH=false signs everyone in as the single local admin", async () => {
    const t = await startTestApp("sqlite", { WEBUI_AUTH: "False" });
    const first = await t.request("POST", "/api/v1/auths/signin", { body: { email: "", password: "" } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ email: "admin@localhost", name: "User", role: "admin" });
    const again = await t.request("POST", "/api/v1/auths/signin", { body: { email: "x", password: "y" } });
    expect(again.body.id).toBe(first.body.id);
    expect((await t.request("GET", "/api/config")).body.features.auth).toBe(false);
    await t.close();
    await t.database.drop();
  });

  test("trusted e-mail header: auto sign-up, and a mismatching header is refused", async () => {
    const t = await startTestApp("sqlite", {
      WEBUI_AUTH_TRUSTED_EMAIL_HEADER: "X-Forwarded-Email",
      WEBUI_AUTH_TRUSTED_NAME_HEADER: "X-Forwarded-Name",
    });
    const missing = await t.request("POST", "/api/v1/auths/signin", { body: { email: "", password: "" } });
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain("trusted header");
    const res = await t.request("POST", "/api/v1/auths/signin", {
      body: { email: "", password: "" },
      headers: { "x-forwarded-email": "Proxy@Example.com", "x-forwarded-name": "Proxy User" },
    });
    expect(res.body).toMatchObject({ email: "proxy@example.com", name: "Proxy User", role: "admin" });
    const ok = await t.request("GET", "/api/v1/auths/", { token: res.body.token, headers: { "x-forwarded-email": "proxy@example.com" } });
    expect(ok.status).toBe(200);
    const mismatch = await t.request("GET", "/api/v1/auths/", { token: res.body.token, headers: { "x-forwarded-email": "other@example.com" } });
    expect(mismatch.status).toBe(401);
    expect(mismatch.body.detail).toBe("User mismatch. Please sign in again.");
    const change = await t.request("POST", "/api/v1/auths/update/password", { token: res.body.token, body: { password: "a", new_password: "b" } });
    expect(change.status).toBe(400);
    await t.close();
    await t.database.drop();
  });
});
