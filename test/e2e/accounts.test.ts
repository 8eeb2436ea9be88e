// The accounts journey in the real frontend: the first admin signs up, signs out and in, creates
// a second account from the admin panel and changes its role; the second user then signs in
// (on the other instance in cluster mode).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { dismissChangelog, e2eEnabled, openBrowser, startExecutable, step, type BrowserSession, type RunningServer, signUpFirstAdmin } from "./support";

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Open User Profile Menu" }).last().click();
  await page.getByText("Sign Out").click();
  await page.waitForURL(/\/auth/);
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByPlaceholder("Enter Your Email").fill(email);
  await page.getByPlaceholder("Enter Your Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/auth"), { timeout: 15_000 });
}

describe.skipIf(!e2eEnabled)("accounts in the real frontend", () => {
  let server: RunningServer;
  let session: BrowserSession;
  let secondSession: BrowserSession | undefined;
  beforeAll(async () => {
    server = await startExecutable();
    session = await openBrowser(server.url);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await secondSession?.close();
    await server?.stop();
  });

  test("sign-up, sign-out, sign-in, add a user, change its role, the user signs in", async () => {
    const { page } = session;
    await step(page, "accounts-01-onboarding", async () => {
      await signUpFirstAdmin(page, server.url, "Ada Admin", "ada@example.com", "ada-secret");
      await dismissChangelog(page, { required: true });
    });
    await step(page, "accounts-02-sign-out", () => signOut(page));
    await step(page, "accounts-03-sign-in", async () => {
      await signIn(page, "ada@example.com", "ada-secret");
      await page.getByRole("button", { name: "Open User Profile Menu" }).last().waitFor();
    });
    await step(page, "accounts-04-add-user", async () => {
      await page.goto(`${server.url}/admin/users`);
      // The "+" beside the search box (its name is only in a tooltip).
      await page.getByPlaceholder("Search").locator("xpath=ancestor::div[contains(@class,'flex')][1]/following-sibling::div//button").first().click();
      await page.getByPlaceholder("Enter Your Full Name").fill("Bob Builder");
      await page.getByPlaceholder("Enter Your Email").fill("bob@example.com");
      await page.getByPlaceholder("Enter Your Password").fill("bob-secret");
      await page.getByRole("dialog").locator("select").first().selectOption("pending");
      await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
      await page.getByText("bob@example.com").waitFor();
    });
    await step(page, "accounts-05-change-role", async () => {
      const row = page.locator("tr", { hasText: "bob@example.com" });
      await row.getByText("pending").click();
      await page.getByRole("dialog").locator("select").first().selectOption("user");
      await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
      await row.getByText("user", { exact: true }).waitFor();
    });
    await step(page, "accounts-06-sign-out-again", () => signOut(page));
    // In cluster mode the second user works on the other instance.
    secondSession = await openBrowser(server.otherUrl);
    const other = secondSession.page;
    await step(other, "accounts-07-second-user", async () => {
      await other.goto(`${server.otherUrl}/auth`);
      await signIn(other, "bob@example.com", "bob-secret");
      await other.getByRole("button", { name: "Open User Profile Menu" }).last().waitFor();
      expect(await other.getByText("Account Activation Pending").isVisible()).toBe(false);
    });
    expect([...session.problems, ...secondSession.problems]).toEqual([]);
  }, 120_000);
});
