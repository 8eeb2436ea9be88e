// The one Bun.serve that answers HTTP (and, later, the Socket.IO endpoint) on one port.
import type { Server } from "bun";
import { createApp } from "./app";
import { createContext, type AppContext, type ContextOptions } from "./context";

export interface RunningServer {
  ctx: AppContext;
  server: Server<undefined>;
  url: string;
  /** Stops accepting, lets in-flight requests finish (at most `graceMs`), then closes the database. */
  stop(graceMs?: number): Promise<void>;
}

export async function startServer(options: ContextOptions & { port?: number; hostname?: string } = {}): Promise<RunningServer> {
  const ctx = await createContext(options);
  const app = createApp(ctx).compile();
  const server = Bun.serve({
    port: options.port ?? ctx.env.port,
    hostname: options.hostname ?? ctx.env.host,
    fetch: app.fetch,
    // Large uploads and slow upstream streams are normal here.
    maxRequestBodySize: 1024 * 1024 * 1024,
    idleTimeout: 255,
  });
  const url = `http://${server.hostname === "0.0.0.0" ? "127.0.0.1" : server.hostname}:${server.port}`;
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000) =>
    (stopping ??= (async () => {
      const graceful = server.stop(false);
      const timeout = new Promise<"timeout">((done) => setTimeout(() => done("timeout"), graceMs).unref());
      if ((await Promise.race([graceful, timeout])) === "timeout") await server.stop(true);
      await ctx.close();
    })());
  return { ctx, server, url, stop };
}
