// OAuth sign-in in the real frontend: the sign-in page offers "Continue with <name>", the fake
// OIDC provider approves at once, and the browser comes back signed in as the provider's user.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFakeOidc, type FakeOidc } from "../fakes/oidc";
import { e2eEnabled, onboardAdmin, openBrowser, startExecutable, step, type BrowserSession, type RunningServer } from "./support";

describe.skipIf(!e2eEnabled)("OAuth sign-in in the real frontend", () => {
  let provider: FakeOidc;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    provider = startFakeOidc();
    provider.nextUser = { sub: "sso-olga", email: "olga@example.org", name: "Olga Oauth" };
    server = await startExecutable({
      OAUTH_CLIENT_ID: provider.clientId,
      OAUTH_CLIENT_SECRET: provider.clientSecret,
      OPENID_PROVIDER_URL: provider.metadataUrl,
      OAUTH_PROVIDER_NAME: "Fake SSO",
      ENABLE_OAUTH_SIGNUP: "true",
      DEFAULT_USER_ROLE: "user",
    });
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    provider?.stop();
  });

  test("Continue with Fake SSO signs a new user in", async () => {
    const { page } = session;
    await step(page, "oauth-01-onboarding", () => onboardAdmin(page, server.url));
    await step(page, "oauth-02-sign-out", async () => {
      await page.getByRole("button", { name: "Open User Profile Menu" }).last().click();
      await page.getByText("Sign Out").click();
      await page.waitForURL(/\/auth/);
    });
    await step(page, "oauth-03-continue-with-sso", async () => {
      await page.getByRole("button", { name: "Continue with Fake SSO" }).click();
      await page.waitForURL((url) => url.origin === server.url && !url.pathname.startsWith("/auth"), { timeout: 20_000 });
      await page.getByRole("button", { name: "Open User Profile Menu" }).last().waitFor();
    });
    const me = await page.evaluate(async () => {
      const res = await fetch("/api/v1/auths/", { headers: { authorization: `Bearer ${localStorage.token}` } });
      return res.json();
    });
    expect(me).toMatchObject({ email: "olga@example.org", name: "Olga Oauth", role: "user" });
    expect(session.problems).toEqual([]);
  }, 120_000);
});
