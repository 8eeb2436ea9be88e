// An app on a fresh database, called in-process, with a tiny request helper.
import { createApp, type App } from "../../src/app";
import { createContext, type AppContext } from "../../src/context";
import { createLogger } from "../../src/core/logger";
import { signToken } from "../../src/core/jwt";
import { createTestDatabase, type Dialect, type TestDatabase } from "./databases";

export const TEST_SECRET = "test-secret-key";

export interface TestApp {
  ctx: AppContext;
  app: App;
  database: TestDatabase;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  tokenFor(userId: string): string;
  close(): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function startTestApp(dialect: Dialect, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  return openTestApp(database, env);
}

/** An app on an existing test database (for restarts). */
export async function openTestApp(database: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const ctx = await createContext({
    source: {
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.url,
      WEBUI_SECRET_KEY: TEST_SECRET,
      // Tests never reach the internet: the release check asks a closed loopback port.
      VERSION_UPDATE_CHECK_URL: "http://127.0.0.1:9/releases/latest",
      ...env,
    },
    log: createLogger("ERROR"),
  });
  const app = createApp(ctx);
  return {
    ctx,
    app,
    database,
    request: (method, path, options = {}) => send(app, method, path, options),
    tokenFor: (userId) => signToken({ id: userId }, TEST_SECRET),
    close: async () => {
      await ctx.close();
    },
  };
}

async function send(app: App, method: string, path: string, options: RequestOptions): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed, text };
}
