// Runs the chat document operations inline for ordinary chats and in a small pool of worker
// threads for large ones (JSON.parse and JSON.stringify of tens of megabytes take long enough
// to stall every other request). Without workers it falls back to running inline.
import { OPERATIONS, type Operations } from "./chat-json";

/** Below this many characters of input, a worker round trip costs more than it saves. */
export const INLINE_LIMIT = 256 * 1024;
const POOL_SIZE = 2;

type Name = keyof Operations;
type Args<N extends Name> = Parameters<Operations[N]>[0];
type Result<N extends Name> = ReturnType<Operations[N]>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

class WorkerPool {
  private workers: { worker: Worker; busy: number }[] = [];
  private pending = new Map<number, Pending & { slot: number }>();
  private nextId = 1;
  private broken = false;
  /** Jobs finished by workers so far. */
  completed = 0;

  get available(): boolean {
    return !this.broken;
  }

  run(name: Name, args: unknown): Promise<unknown> {
    let slot: number;
    try {
      slot = this.pick();
    } catch (error) {
      return Promise.reject(new Error(`chat worker failed: ${error instanceof Error ? error.message : error}`));
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
    const slot = this.workers.length;
    const worker = new Worker(new URL("./json-worker.ts", import.meta.url).href);
    worker.unref();
    worker.onmessage = (event: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
      const job = this.pending.get(event.data.id);
      if (!job) return;
      this.pending.delete(event.data.id);
      this.workers[job.slot]!.busy--;
      this.completed++;
      if (event.data.error !== undefined) job.reject(new Error(event.data.error));
      else job.resolve(event.data.result);
    };
    worker.onerror = (event) => this.fail(slot, new Error(`chat worker failed: ${event.message}`));
    this.workers.push({ worker, busy: 0 });
  }

  /** A crashed worker rejects its jobs and is replaced on the next call. */
  private fail(slot: number, error: Error): void {
    for (const [id, job] of this.pending) {
      if (job.slot !== slot) continue;
      this.pending.delete(id);
      job.reject(error);
    }
    this.workers[slot]?.worker.terminate();
    this.workers.splice(slot, 1);
    for (const job of this.pending.values()) if (job.slot > slot) job.slot--;
  }

  disable(): void {
    this.broken = true;
  }
}

const pool = new WorkerPool();

/** How many operations worker threads have run (for tests and diagnostics). */
export const workerJobs = () => pool.completed;

/** Runs `name` on `args`; `size` is the number of characters it will parse. */
export async function runChatOperation<N extends Name>(name: N, args: Args<N>, size: number): Promise<Result<N>> {
  if (size >= INLINE_LIMIT && pool.available) {
    try {
      return (await pool.run(name, args)) as Result<N>;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("chat worker failed")) throw error;
      pool.disable();
    }
  }
  const run = OPERATIONS[name] as (input: Args<N>) => Result<N>;
  return run(args);
}
