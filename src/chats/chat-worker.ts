// A worker thread for large chats: runs the document operations of chat-json.ts, and the tasks
// of documents.ts against its own connection to the database (opened on first use, closed after
// a minute without work).
import { openDb, type Db } from "../db/client";
import { OPERATIONS } from "./chat-json";
import { TASKS } from "./documents";
import type { DatabaseSpec } from "./worker-pool";

declare const self: Worker;

const IDLE_MS = 60_000;
const connections = new Map<string, { db: Promise<Db>; used: number }>();

function connection(spec: DatabaseSpec): Promise<Db> {
  const key = spec.target.dialect === "sqlite" ? `sqlite:${spec.target.path}` : spec.target.url;
  let entry = connections.get(key);
  if (!entry) {
    const pool = { size: 1, maxOverflow: 1, timeoutSeconds: 30, recycleSeconds: 3600 };
    entry = { db: openDb(spec.target, { pool, sqliteWal: spec.sqliteWal }), used: 0 };
    connections.set(key, entry);
    entry.db.catch(() => connections.delete(key));
  }
  entry.used = Date.now();
  return entry.db;
}

const sweeper = setInterval(() => {
  for (const [key, entry] of connections) {
    if (Date.now() - entry.used < IDLE_MS) continue;
    connections.delete(key);
    entry.db.then((db) => db.close()).catch(() => {});
  }
}, IDLE_MS);
(sweeper as unknown as { unref?: () => void }).unref?.();

/** Buffers in the result move to the main thread instead of being copied. */
function transferables(result: unknown): ArrayBuffer[] {
  if (result instanceof Uint8Array) return [result.buffer as ArrayBuffer];
  if (result && typeof result === "object" && "bytes" in result && result.bytes instanceof Uint8Array) {
    return [result.bytes.buffer as ArrayBuffer];
  }
  return [];
}

async function handle(name: string, args: Record<string, unknown>): Promise<unknown> {
  if (name in OPERATIONS) return (OPERATIONS[name as keyof typeof OPERATIONS] as (input: unknown) => unknown)(args);
  if (name in TASKS) {
    const { spec, ...rest } = args as { spec: DatabaseSpec };
    return (TASKS[name as keyof typeof TASKS] as (db: Db, input: unknown) => Promise<unknown>)(await connection(spec), rest);
  }
  throw new Error(`unknown chat worker job: ${name}`);
}

self.postMessage({ ready: true });

self.onmessage = async (event: MessageEvent<{ id: number; name: string; args: Record<string, unknown> }>) => {
  const { id, name, args } = event.data;
  try {
    const result = await handle(name, args);
    self.postMessage({ id, result }, transferables(result));
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
