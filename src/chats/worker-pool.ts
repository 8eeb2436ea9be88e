// Worker threads for work on large chats: the document operations of chat-json.ts, and whole
// reads and writes of large chats through the worker's own database connection. Parsing,
// serializing and moving tens of megabytes then never holds up the event loop that serves
// everyone else. Without workers (or inside one) everything runs inline.
import { isMainThread } from "node:worker_threads";
import type { DatabaseTarget } from "../core/env";
import type { Db } from "../db/client";
import { OPERATIONS, type Operations } from "./chat-json";

/** What a worker needs to open its own connection to the same database. */
export interface DatabaseSpec {
  target: DatabaseTarget;
  sqliteWal: boolean;
}

const specs = new WeakMap<Db, DatabaseSpec>();

/** Lets large chats of `db` be handled by workers (each opens its own connection from `spec`). */
export function registerDatabase(db: Db, spec: DatabaseSpec): void {
  specs.set(db, spec);
}

export function databaseSpec(db: Db): DatabaseSpec | undefined {
  return isMainThread && pool.available ? specs.get(db) : undefined;
}

/**
 * The worker's module: beside this file when run from source; in the compiled executable, where
 * it is a second entry point of `bun build` (see package.json), by its path below `src/`.
 */
const WORKER_ENTRY = import.meta.url.includes("/$bunfs/")
  ? "./chats/chat-worker.ts"
  : new URL("./chat-worker.ts", import.meta.url).href;

/** Below this many characters, a worker round trip costs more than it saves. */
export const INLINE_LIMIT = 256 * 1024;
const POOL_SIZE = 2;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  slot: number;
}

/** No worker could take the job: it did not run, and may run inline instead. */
export class WorkerUnavailable extends Error {}
/** The worker died while holding the job: it may or may not have run. */
export class WorkerCrashed extends Error {}

class WorkerPool {
  private workers: { worker: Worker; busy: number; ready: boolean }[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private broken = !isMainThread;
  completed = 0;

  get available(): boolean {
    return !this.broken;
  }

  run(name: string, args: unknown): Promise<unknown> {
    if (this.broken) return Promise.reject(new WorkerUnavailable("no worker threads"));
    let slot: number;
    try {
      slot = this.pick();
    } catch (error) {
      this.broken = true;
      return Promise.reject(new WorkerUnavailable(String(error)));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      const entry = this.workers[slot]!;
      entry.busy++;
      entry.worker.postMessage({ id, name, args });
    });
  }

  private pick(): number {
    if (this.workers.length < POOL_SIZE && this.workers.every((w) => w.busy > 0)) this.spawn();
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i]!.busy < this.workers[best]!.busy) best = i;
    return best;
  }

  private spawn(): void {
    const worker = new Worker(WORKER_ENTRY);
    worker.unref();
    const entry = { worker, busy: 0, ready: false };
    worker.onmessage = (event: MessageEvent<{ id: number; ready?: true; result?: unknown; error?: string }>) => {
      if (event.data.ready) {
        entry.ready = true;
        return;
      }
      const job = this.pending.get(event.data.id);
      if (!job) return;
      this.pending.delete(event.data.id);
      entry.busy--;
      this.completed++;
      if (event.data.error !== undefined) job.reject(new Error(event.data.error));
      else job.resolve(event.data.result);
    };
    worker.onerror = (event) => {
      const message = `chat worker failed: ${event.message}`;
      this.fail(entry, entry.ready ? new WorkerCrashed(message) : new WorkerUnavailable(message));
    };
    this.workers.push(entry);
  }

  /** A crashed worker rejects its jobs; the pool stops using workers. */
  private fail(entry: { worker: Worker; ready: boolean }, error: Error): void {
    const slot = this.workers.findIndex((w) => w === entry);
    for (const [id, job] of this.pending) {
      if (job.slot !== slot) continue;
      this.pending.delete(id);
      job.reject(error);
    }
    entry.worker.terminate();
    this.broken = true;
  }
}

const pool = new WorkerPool();

/** How many jobs worker threads have finished (for tests and diagnostics). */
export const workerJobs = () => pool.completed;
export const workersAvailable = () => pool.available;

/** Runs a task in a worker; rejects with WorkerUnavailable when there are no workers. */
export function runInWorker<T>(name: string, args: unknown): Promise<T> {
  return pool.run(name, args) as Promise<T>;
}

type Name = keyof Operations;
type Args<N extends Name> = Parameters<Operations[N]>[0];
type Result<N extends Name> = ReturnType<Operations[N]>;

/** Runs a document operation; `size` is the number of characters it will parse. */
export async function runChatOperation<N extends Name>(name: N, args: Args<N>, size: number): Promise<Result<N>> {
  if (size >= INLINE_LIMIT && pool.available) {
    try {
      return await runInWorker<Result<N>>(name, args);
    } catch (error) {
      if (!(error instanceof WorkerUnavailable)) throw error;
    }
  }
  const run = OPERATIONS[name] as (input: Args<N>) => Result<N>;
  return run(args);
}
