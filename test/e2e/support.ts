// End-to-end support: the compiled executable serving a real Open WebUI 0.6.32 frontend build
// (OPEN_WEBUI_FRONTEND_DIR), driven in Debian's Chromium through playwright-core. Without the
// variable the e2e tests report themselves skipped.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { chromium, type Browser, type Page } from "playwright-core";
import { createTestDatabase } from "../support/databases";

export const frontendDir = process.env.OPEN_WEBUI_FRONTEND_DIR;
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const e2eEnabled = Boolean(frontendDir);
if (!e2eEnabled) console.warn("OPEN_WEBUI_FRONTEND_DIR is not set: end-to-end tests are skipped");

const root = join(import.meta.dir, "..", "..");
const executable = join(root, "dist", "open-webui-bun");
const screenshots = join(root, "test-results", "e2e");
let built: Promise<void> | undefined;

/** `bun run build`, once per test process. */
export function buildExecutable(): Promise<void> {
  built ??= (async () => {
    const build = Bun.spawn(["bun", "run", "build"], { cwd: root, stdout: "ignore", stderr: "pipe" });
    if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`);
  })();
  return built;
}

export interface RunningServer {
  /** The instance a journey starts on. */
  url: string;
  /** A second instance of the same deployment in cluster mode; the same as `url` otherwise. */
  otherUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * E2E_CLUSTER=1: every journey runs against two executables on different ports sharing a fresh
 * PostgreSQL database (TEST_DATABASE_URL), Redis (REDIS_URL) and a data folder, as a scaled-out
 * deployment would; otherwise one executable on its own SQLite file.
 */
export const clusterMode = process.env.E2E_CLUSTER === "1";
if (clusterMode && !(process.env.TEST_DATABASE_URL && process.env.REDIS_URL)) {
  throw new Error("E2E_CLUSTER=1 needs TEST_DATABASE_URL and REDIS_URL");
}

export async function startExecutable(env: Record<string, string> = {}): Promise<RunningServer> {
  await buildExecutable();
  if (!clusterMode) {
    const dataDir = mkdtempSync(join(tmpdir(), "owb-e2e-"));
    const instance = await spawnInstance(dataDir, env);
    return { url: instance.url, otherUrl: instance.url, dataDir, stop: instance.stop };
  }
  const database = await createTestDatabase("postgres");
  const redisKeyPrefix = `owb-e2e-${process.pid}-${Date.now()}`;
  const shared = { DATABASE_URL: database.url, WEBSOCKET_MANAGER: "redis", REDIS_URL: process.env.REDIS_URL as string, REDIS_KEY_PREFIX: redisKeyPrefix, ...env };
  const first = await spawnInstance(database.dataDir, shared);
  const second = await spawnInstance(database.dataDir, shared);
  return {
    url: first.url,
    otherUrl: second.url,
    dataDir: database.dataDir,
    stop: async () => {
      await Promise.all([first.stop(), second.stop()]);
      await database.drop();
      await forgetRedisKeys(redisKeyPrefix);
    },
  };
}

/** Starts the executable on a free port; a port taken meanwhile (the process exits) means another try. */
async function spawnInstance(dataDir: string, env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    const port = 21000 + Math.floor(Math.random() * 20000);
    const child = Bun.spawn([executable], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dataDir,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        WEBUI_SECRET_KEY: "e2e-secret",
        FRONTEND_BUILD_DIR: frontendDir as string,
        ENABLE_VERSION_UPDATE_CHECK: "false",
        GLOBAL_LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "INFO",
        ...env,
      },
      stdout: "ignore",
      stderr: "inherit",
    });
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      child.kill("SIGTERM");
      await child.exited;
    };
    if (await healthy(url, child)) return { url, stop };
    await stop();
    if (attempt === 3) throw new Error(`the executable did not start (last try on port ${port})`);
  }
}

/** Waits up to 30 s for /health; false as soon as the process has exited. */
async function healthy(url: string, child: { exitCode: number | null }): Promise<boolean> {
  const until = Date.now() + 30_000;
  while (Date.now() < until && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/health`)).ok) return true;
    } catch {}
    await Bun.sleep(25);
  }
  return false;
}

async function forgetRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL as string);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Console errors and failed requests to our server, for the "console clean" check. */
  problems: string[];
  close(): Promise<void>;
}

export async function openBrowser(serverUrl: string): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // For a resource that failed to load, the location is the resource: one outside our server
    // (a badge or avatar on the internet, unreachable from a test machine) is not our problem.
    const where = message.location().url;
    const resource = message.text().startsWith("Failed to load resource");
    if (resource && where && !where.startsWith(serverUrl)) return;
    problems.push(`console: ${message.text()}${resource && where ? ` ${where.slice(serverUrl.length)}` : ""}`);
  });
  const requests: string[] = [];
  page.on("response", (response) => {
    if (!response.url().startsWith(serverUrl)) return;
    const request = `${response.request().method()} ${response.url().slice(serverUrl.length)}`;
    requests.push(`${response.status()} ${request}`);
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} ${request}`);
  });
  return {
    browser,
    page,
    problems,
    close: async () => {
      await browser.close();
      recordRequests(requests);
    },
  };
}

/**
 * Every request the frontend made to our server, with its status, one file per browser session
 * under test-results/e2e/requests/ — the input of test/e2e/compare-with-reference.ts.
 */
function recordRequests(requests: string[]): void {
  const folder = join(screenshots, "requests");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.txt`), requests.join("\n"));
}

/** Runs one step of a journey; on failure saves a screenshot named after it, then fails. */
export async function step(page: Page, name: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    mkdirSync(screenshots, { recursive: true });
    const file = join(screenshots, `${name.replace(/[^a-z0-9]+/gi, "-")}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    throw new Error(`step "${name}" failed (screenshot: ${file}): ${error instanceof Error ? error.message : error}`);
  }
}

/** The first visit's onboarding: "Get started", then the first (admin) account's sign-up. */
export async function signUpFirstAdmin(page: Page, serverUrl: string, name: string, email: string, password: string): Promise<void> {
  await page.goto(`${serverUrl}/`);
  await page.locator('button[aria-labelledby="get-started"]').click();
  await page.getByPlaceholder("Enter Your Full Name").fill(name);
  await page.getByPlaceholder("Enter Your Email").fill(email);
  await page.getByPlaceholder("Enter Your Password").fill(password);
  await page.getByRole("button", { name: "Create Admin Account" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/auth"), { timeout: 15_000 });
}

/**
 * An admin's first visit shows the "what's new" dialog (closing it saves that it was seen).
 * `required`: fail when it does not come; otherwise close it if it comes within the wait.
 */
export async function dismissChangelog(page: Page, { required = false, waitMs = 15_000 } = {}): Promise<void> {
  const okay = page.getByRole("button", { name: "Okay, Let's Go!" });
  const shown = await okay
    .waitFor({ timeout: waitMs })
    .then(() => true)
    .catch((error) => {
      if (required) throw error;
      return false;
    });
  if (!shown) return;
  await okay.click();
  await okay.waitFor({ state: "hidden" });
}

/** The usual start of a journey: the first admin (Ada) signs up and closes the "what's new" dialog. */
export async function onboardAdmin(page: Page, serverUrl: string): Promise<void> {
  await signUpFirstAdmin(page, serverUrl, "Ada Admin", "ada@example.com", "ada-secret");
  await dismissChangelog(page, { waitMs: 5_000 });
}

/**
 * Types a message into the chat input and, once all of it shows there, sends it. Keys typed while
 * the page still moves the focus (after an upload, a menu) can be lost: then it types again.
 */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.locator("#chat-input");
  for (let attempt = 1; ; attempt++) {
    await input.click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.type(text);
    const typed = await input
      .getByText(text)
      .waitFor({ timeout: 5_000 })
      .then(() => true)
      .catch(() => false);
    if (typed) break;
    if (attempt === 3) throw new Error(`the chat input did not take "${text}"`);
  }
  await page.keyboard.press("Enter");
}

/** The user menu's Settings, at one of its tabs. */
export async function openSettings(page: Page, tab: string): Promise<void> {
  await page.getByRole("button", { name: "Open User Profile Menu" }).last().click();
  await page.getByRole("menuitem", { name: "Settings" }).or(page.getByText("Settings", { exact: true })).first().click();
  await page.getByRole("tab", { name: tab }).click();
}
