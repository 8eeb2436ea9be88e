// A test app wired to fake OpenAI-compatible and Ollama upstreams, with one account per role.
import type { Dialect } from "../support/databases";
import { startTestApp, type TestApp } from "../support/app";
import { insertUser } from "../support/users";
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from "./ollama";
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from "./openai";

export interface Account {
  id: string;
  token: string;
}

export interface World {
  t: TestApp;
  openai: FakeOpenAI;
  ollama: FakeOllama;
  admin: Account;
  user: Account;
  other: Account;
  pending: Account;
  close(): Promise<void>;
}

export interface WorldOptions {
  openai?: FakeOpenAIOptions;
  ollama?: FakeOllamaOptions;
  env?: Record<string, string>;
}

export async function startWorld(dialect: Dialect, options: WorldOptions = {}): Promise<World> {
  const openai = startFakeOpenAI(options.openai);
  const ollama = startFakeOllama(options.ollama);
  const t = await startTestApp(dialect, {
    OPENAI_API_BASE_URLS: openai.url,
    OPENAI_API_KEYS: "sk-upstream",
    OLLAMA_BASE_URLS: ollama.url,
    ...options.env,
  });
  const account = async (role: string, name: string) => {
    const row = await insertUser(t.ctx, { role, name });
    return { id: row.id, token: t.tokenFor(row.id) };
  };
  const admin = await account("admin", "Admin");
  const user = await account("user", "Ann");
  const other = await account("user", "Bob");
  const pending = await account("pending", "Pat");
  return {
    t,
    openai,
    ollama,
    admin,
    user,
    other,
    pending,
    close: async () => {
      await t.close();
      await t.database.drop();
      await openai.stop();
      await ollama.stop();
    },
  };
}

/** A model row giving everyone read access to a base model (what the admin UI saves). */
export async function publishModel(w: World, id: string, extra: Record<string, unknown> = {}) {
  const res = await w.t.request("POST", "/api/v1/models/create", {
    token: w.admin.token,
    body: { id, name: id, meta: {}, params: {}, access_control: null, ...extra },
  });
  if (res.status !== 200) throw new Error(`could not publish ${id}: ${res.text}`);
  return res.body;
}
