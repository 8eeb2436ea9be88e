// OAuth/OIDC sign-in against a fake provider on loopback: login → provider → callback, with the
// redirects followed by hand and the cookies carried along.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { Fernet } from "../../src/core/fernet";
import { isBlockedGroup } from "../../src/oauth/accounts";
import { oauthSettings } from "../../src/oauth/routes";
import { dialects } from "../support/databases";
import { startTestApp, TEST_SECRET, type TestApp } from "../support/app";
import { startFakeOidc, type FakeOidc, type FakeOidcUser } from "../fakes/oidc";

const INVALID_CRED = "The email or password provided is incorrect. Please check for typos and try logging in again.";
const ACCESS_PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";
const EMAIL_TAKEN =
  "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.";

interface Outcome {
  status: number;
  location: string;
  cookies: Record<string, string>;
  setCookies: string[];
}

function cookiesOf(response: Response): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const index = pair.indexOf("=");
    jar[pair.slice(0, index)] = pair.slice(index + 1);
  }
  return jar;
}

const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

/** The whole browser journey; `alterCallback` may tamper with the provider's redirect back. */
async function signIn(t: TestApp, provider: FakeOidc, user: FakeOidcUser, alterCallback?: (url: URL) => void): Promise<Outcome> {
  provider.nextUser = user;
  const login = await t.app.handle(new Request("http://localhost/oauth/oidc/login"));
  expect(login.status).toBe(302);
  const jar = cookiesOf(login);
  const atProvider = await fetch(login.headers.get("location") as string, { redirect: "manual" });
  expect(atProvider.status).toBe(302);
  const back = new URL(atProvider.headers.get("location") as string);
  alterCallback?.(back);
  const done = await t.app.handle(new Request(back.href, { headers: { cookie: cookieHeader(jar) } }));
  return { status: done.status, location: done.headers.get("location") ?? "", cookies: cookiesOf(done), setCookies: done.headers.getSetCookie() };
}

const errorOf = (outcome: Outcome) => new URL(outcome.location).searchParams.get("error");

for (const dialect of dialects) {
  describe(`OAuth sign-in (${dialect})`, () => {
    let t: TestApp;
    let provider: FakeOidc;

    beforeAll(async () => {
      provider = startFakeOidc();
      t = await startTestApp(dialect, {
        OAUTH_CLIENT_ID: provider.clientId,
        OAUTH_CLIENT_SECRET: provider.clientSecret,
        OPENID_PROVIDER_URL: provider.metadataUrl,
        OAUTH_PROVIDER_NAME: "Fake SSO",
        ENABLE_OAUTH_SIGNUP: "true",
      });
    }, 30_000);
    afterAll(async () => {
      await t?.close();
      await t?.database.drop();
      provider?.stop();
    });

    test("/api/config names the provider for the sign-in button", async () => {
      const res = await t.request("GET", "/api/config");
      expect(res.body.oauth).toEqual({ providers: { oidc: "Fake SSO" } });
    });

    test("login redirects to the provider with state, nonce and an S256 challenge", async () => {
      const res = await t.app.handle(new Request("http://localhost/oauth/oidc/login"));
      expect(res.status).toBe(302);
      const target = new URL(res.headers.get("location") as string);
      expect(target.origin + target.pathname).toBe(`${provider.url}/authorize`);
      const q = target.searchParams;
      expect(q.get("redirect_uri")).toBe("http://localhost/oauth/oidc/callback");
      expect(q.get("scope")).toBe("openid email profile");
      expect(q.get("code_challenge_method")).toBe("S256");
      for (const name of ["state", "nonce", "code_challenge"]) expect(q.get(name)?.length).toBeGreaterThan(20);
      expect(res.headers.get("set-cookie")).toContain("HttpOnly");
    });

    test("unknown providers are 404", async () => {
      for (const path of ["/oauth/google/login", "/oauth/nope/callback", "/oauth/nope/login/callback"]) {
        const res = await t.request("GET", path);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ detail: "Not Found" });
      }
    });

    test("the first user is created as admin, signed in by a readable token cookie", async () => {
      const out = await signIn(t, provider, { sub: "alice-1", email: "Alice@Example.org", name: "Alice" });
      expect(out.status).toBe(307);
      expect(out.location).toBe("http://localhost/auth");
      const tokenLine = out.setCookies.find((c) => c.startsWith("token=")) as string;
      expect(tokenLine).not.toContain("HttpOnly");
      expect(out.setCookies.find((c) => c.startsWith("oauth_id_token="))).toContain("HttpOnly");
      expect(out.setCookies.find((c) => c.startsWith("oauth_session_id="))).toContain("HttpOnly");

      const me = await t.request("GET", "/api/v1/auths/", { token: out.cookies.token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: "alice@example.org", name: "Alice", role: "admin" });

      const { user, oauth_session } = t.ctx.db.t;
      const [row] = await t.ctx.db.read.select().from(user).where(eq(user.id, me.body.id));
      expect(row?.oauth_sub).toBe("oidc@alice-1");
      const sessions = await t.ctx.db.read.select().from(oauth_session).where(eq(oauth_session.user_id, me.body.id));
      expect(sessions.map((s) => s.id)).toEqual([out.cookies.oauth_session_id as string]);
      const stored = JSON.parse(new Fernet(TEST_SECRET).decrypt(sessions[0]?.token ?? ""));
      expect(stored).toMatchObject({ token_type: "bearer", expires_in: 3600 });
      expect(typeof stored.access_token).toBe("string");
    });

    test("a later user gets the default role; signing in again reuses the account and replaces its session", async () => {
      const first = await signIn(t, provider, { sub: "bob-1", email: "bob@example.org", name: "Bob" });
      const me = await t.request("GET", "/api/v1/auths/", { token: first.cookies.token });
      expect(me.body.role).toBe("pending");
      provider.claimsInIdToken = true; // this time without a userinfo call
      const again = await signIn(t, provider, { sub: "bob-1", email: "bob@example.org", name: "Bob" });
      provider.claimsInIdToken = false;
      const me2 = await t.request("GET", "/api/v1/auths/", { token: again.cookies.token });
      expect(me2.body.id).toBe(me.body.id);
      const { oauth_session } = t.ctx.db.t;
      const sessions = await t.ctx.db.read.select().from(oauth_session).where(eq(oauth_session.user_id, me.body.id));
      expect(sessions.map((s) => s.id)).toEqual([again.cookies.oauth_session_id as string]);
    });

    test("sign-out sends the browser to the provider's end-session endpoint with the ID token", async () => {
      const out = await signIn(t, provider, { sub: "bob-1", email: "bob@example.org", name: "Bob" });
      const res = await t.request("GET", "/api/v1/auths/signout", { headers: { cookie: cookieHeader(out.cookies) } });
      expect(res.status).toBe(200);
      const idToken = out.cookies.oauth_id_token as string;
      expect(res.body).toEqual({ status: true, redirect_url: `${provider.url}/logout?id_token_hint=${idToken}` });
      // Someone else's session id does not reveal that ID token.
      const other = await signIn(t, provider, { sub: "alice-1", email: "alice@example.org", name: "Alice" });
      const foreign = await t.request("GET", "/api/v1/auths/signout", {
        headers: { cookie: `token=${other.cookies.token}; oauth_session_id=${out.cookies.oauth_session_id}` },
      });
      expect(foreign.body).toEqual({ status: true });
    });

    test("an existing e-mail is merged only when OAUTH_MERGE_ACCOUNTS_BY_EMAIL allows it", async () => {
      const admin = await signIn(t, provider, { sub: "alice-1", email: "alice@example.org", name: "Alice" });
      const created = await t.request("POST", "/api/v1/auths/add", {
        token: admin.cookies.token,
        body: { name: "Carol", email: "carol@example.org", password: "pw-carol", role: "user" },
      });
      expect(created.status).toBe(200);

      const refused = await signIn(t, provider, { sub: "carol-sso", email: "carol@example.org", name: "Carol" });
      expect(refused.status).toBe(307);
      expect(errorOf(refused)).toBe(EMAIL_TAKEN);
      expect(refused.cookies.token).toBeUndefined();

      oauthSettings(t.ctx).mergeAccountsByEmail = true;
      try {
        const merged = await signIn(t, provider, { sub: "carol-sso", email: "carol@example.org", name: "Carol" });
        const me = await t.request("GET", "/api/v1/auths/", { token: merged.cookies.token });
        expect(me.body).toMatchObject({ id: created.body.id, role: "user" });
      } finally {
        oauthSettings(t.ctx).mergeAccountsByEmail = false;
      }
      // Once merged, the sub finds the account without the switch.
      const later = await signIn(t, provider, { sub: "carol-sso", email: "carol@example.org", name: "Carol" });
      expect((await t.request("GET", "/api/v1/auths/", { token: later.cookies.token })).body.id).toBe(created.body.id);
    });

    test("with sign-up disabled a new account is refused with the reference's error", async () => {
      oauthSettings(t.ctx).enableSignup = false;
      try {
        const out = await signIn(t, provider, { sub: "dave-1", email: "dave@example.org", name: "Dave" });
        expect(out.status).toBe(307);
        expect(out.location).toBe(`http://localhost/auth?error=${encodeURI(ACCESS_PROHIBITED)}`);
        expect(out.cookies.token).toBeUndefined();
        // Existing accounts still sign in.
        const bob = await signIn(t, provider, { sub: "bob-1", email: "bob@example.org", name: "Bob" });
        expect(bob.cookies.token).toBeString();
      } finally {
        oauthSettings(t.ctx).enableSignup = true;
      }
    });

    test("a wrong state, a missing state cookie, a replayed code and missing claims are refused", async () => {
      const user = { sub: "eve-1", email: "eve@example.org", name: "Eve" };
      const badState = await signIn(t, provider, user, (url) => url.searchParams.set("state", "forged"));
      expect(errorOf(badState)).toBe(INVALID_CRED);
      expect(badState.cookies.token).toBeUndefined();

      provider.nextUser = user;
      const login = await t.app.handle(new Request("http://localhost/oauth/oidc/login"));
      const back = await fetch(login.headers.get("location") as string, { redirect: "manual" });
      const noCookie = await t.app.handle(new Request(back.headers.get("location") as string));
      expect(new URL(noCookie.headers.get("location") as string).searchParams.get("error")).toBe(INVALID_CRED);
      const withCookie = () =>
        t.app.handle(new Request(back.headers.get("location") as string, { headers: { cookie: cookieHeader(cookiesOf(login)) } }));
      expect((await withCookie()).headers.get("location")).toBe("http://localhost/auth");
      const replay = await withCookie();
      expect(new URL(replay.headers.get("location") as string).searchParams.get("error")).toBe(INVALID_CRED);

      provider.forgeSignature = true;
      const forged = await signIn(t, provider, user);
      provider.forgeSignature = false;
      expect(errorOf(forged)).toBe(INVALID_CRED);

      const noEmail = await signIn(t, provider, { sub: "eve-2", name: "Eve" });
      expect(errorOf(noEmail)).toBe(INVALID_CRED);
      const refusedByProvider = await t.request("GET", "/oauth/oidc/callback?error=access_denied&state=x");
      expect(refusedByProvider.status).toBe(307);
    });

    test("role management maps the roles claim (nested) to user, admin or the default", async () => {
      const settings = oauthSettings(t.ctx);
      Object.assign(settings, { enableRoleManagement: true, rolesClaim: "realm.roles", allowedRoles: ["staff"], adminRoles: ["boss"] });
      try {
        const role = async (sub: string, roles: unknown) => {
          const out = await signIn(t, provider, { sub, email: `${sub}@example.org`, name: sub, realm: { roles } });
          return (await t.request("GET", "/api/v1/auths/", { token: out.cookies.token })).body.role;
        };
        expect(await role("frank", ["staff"])).toBe("user");
        expect(await role("grace", ["staff", "boss"])).toBe("admin");
        expect(await role("heidi", "boss")).toBe("admin");
        expect(await role("ivan", ["other"])).toBe("pending");
        // Existing accounts follow the claim on every sign-in.
        expect(await role("grace", ["other"])).toBe("pending");
      } finally {
        Object.assign(settings, { enableRoleManagement: false, rolesClaim: "roles", allowedRoles: ["user", "admin"], adminRoles: ["admin"] });
      }
    });

    test("group management joins and leaves groups named by the groups claim", async () => {
      const settings = oauthSettings(t.ctx);
      Object.assign(settings, { enableGroupManagement: true, enableGroupCreation: true, blockedGroups: '["keep-*"]' });
      try {
        const judy = await signIn(t, provider, { sub: "judy", email: "judy@example.org", name: "Judy", groups: ["Eng", "Ops"] });
        const admin = await signIn(t, provider, { sub: "alice-1", email: "alice@example.org", name: "Alice" });
        const judyId = (await t.request("GET", "/api/v1/auths/", { token: judy.cookies.token })).body.id;
        const kept = await t.request("POST", "/api/v1/groups/create", {
          token: admin.cookies.token,
          body: { name: "keep-me", description: "" },
        });
        await t.request("POST", `/api/v1/groups/id/${kept.body.id}/users/add`, { token: admin.cookies.token, body: { user_ids: [judyId] } });

        await signIn(t, provider, { sub: "judy", email: "judy@example.org", name: "Judy", groups: ["Eng"] });
        const groups = (await t.request("GET", "/api/v1/groups/", { token: admin.cookies.token })).body;
        const members = Object.fromEntries(groups.map((g: any) => [g.name, g.user_ids.includes(judyId)]));
        expect(members).toEqual({ Eng: true, Ops: false, "keep-me": true });
      } finally {
        Object.assign(settings, { enableGroupManagement: false, enableGroupCreation: false, blockedGroups: "[]" });
      }
    });
  });
}

describe("OAuth providers from the environment", () => {
  test("GitHub, Google and Microsoft are listed when configured; GitHub's login needs no discovery", async () => {
    const t = await startTestApp("sqlite", {
      GITHUB_CLIENT_ID: "gh-id",
      GITHUB_CLIENT_SECRET: "gh-secret",
      GOOGLE_CLIENT_ID: "g-id",
      GOOGLE_CLIENT_SECRET: "g-secret",
      MICROSOFT_CLIENT_ID: "ms-id",
      MICROSOFT_CLIENT_SECRET: "ms-secret",
      // Without a tenant Microsoft is not offered, as in the reference.
      OAUTH_CLIENT_ID: "no-url",
      OAUTH_CLIENT_SECRET: "x",
    });
    try {
      expect((await t.request("GET", "/api/config")).body.oauth.providers).toEqual({ google: "google", github: "github" });
      const res = await t.app.handle(new Request("http://localhost/oauth/github/login"));
      const target = new URL(res.headers.get("location") as string);
      expect(target.origin + target.pathname).toBe("https://github.com/login/oauth/authorize");
      expect(target.searchParams.get("client_id")).toBe("gh-id");
      expect(target.searchParams.get("scope")).toBe("user:email");
      expect(target.searchParams.get("redirect_uri")).toBe("http://localhost/oauth/github/callback");
      expect(target.searchParams.has("nonce")).toBe(false);
    } finally {
      await t.close();
      await t.database.drop();
    }
  });

  test("blocked group patterns: exact, glob and regular expression", () => {
    expect(isBlockedGroup("admins", ["admins"])).toBe(true);
    expect(isBlockedGroup("team-ops", ["team-*"])).toBe(true);
    expect(isBlockedGroup("Team-ops", ["^team-"])).toBe(false);
    expect(isBlockedGroup("x-secret", ["secret$"])).toBe(true);
    expect(isBlockedGroup("public", ["", "team-?"])).toBe(false);
  });
});
