// The long-lived pieces of retrieval, created once per application context on first use: the
// vector store, the blob storage, and the queue that processes uploads in the background. They
// are closed (after in-flight jobs finish) when the context closes.
import type { AppContext } from "../context";
import { createStorage, type StorageProvider } from "../storage/provider";
import { createVectorStore, type VectorStore } from "./vector";

export interface RetrievalServices {
  store: VectorStore;
  storage: StorageProvider;
  jobs: JobQueue;
  /** Wakes status streams on this instance when a file's processing ends. */
  fileEvents: EventTarget;
}

const byContext = new WeakMap<AppContext, RetrievalServices>();

export function retrieval(ctx: AppContext): RetrievalServices {
  let services = byContext.get(ctx);
  if (services) return services;
  services = {
    store: createVectorStore(ctx.env),
    storage: createStorage(ctx.env),
    jobs: new JobQueue(2, (error) => ctx.log.error("background job failed", error)),
    fileEvents: new EventTarget(),
  };
  byContext.set(ctx, services);
  const created = services;
  const closeContext = ctx.close;
  ctx.close = async () => {
    await created.jobs.drain(30_000);
    await created.store.close().catch((error) => ctx.log.warn("vector store did not close cleanly", error));
    await closeContext();
  };
  return services;
}

/** At most `concurrency` jobs at once, in arrival order. */
export class JobQueue {
  private running = 0;
  private waiting: (() => Promise<void>)[] = [];
  private idle: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  add(job: () => Promise<void>): void {
    this.waiting.push(job);
    this.next();
  }

  get size(): number {
    return this.running + this.waiting.length;
  }

  private next() {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift() as () => Promise<void>;
      this.running++;
      job()
        .catch(this.onError)
        .finally(() => {
          this.running--;
          this.next();
          if (this.size === 0) for (const done of this.idle.splice(0)) done();
        });
    }
  }

  /** Resolves when every queued job has finished, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
