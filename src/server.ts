// The one Bun.serve on one port: /ws/socket.io goes to the Socket.IO engine, everything else to
// the HTTP application.
import { createApp } from "./app";
import { createContext, type AppContext, type ContextOptions } from "./context";
import { SOCKET_PATH, type BunServerWithSockets } from "./realtime";

export interface RunningServer {
  ctx: AppContext;
  server: BunServerWithSockets;
  url: string;
  /**
   * Stops accepting, closes the sockets, lets in-flight requests finish (at most `graceMs`),
   * then closes Redis and the database.
   */
  stop(graceMs?: number): Promise<void>;
}

export async function startServer(options: ContextOptions & { port?: number; hostname?: string } = {}): Promise<RunningServer> {
  const ctx = await createContext(options);
  const app = createApp(ctx).compile();
  const { realtime } = ctx;
  const server: BunServerWithSockets = Bun.serve({
    port: options.port ?? ctx.env.port,
    hostname: options.hostname ?? ctx.env.host,
    // Bun matches these paths natively, so other requests pay nothing for the socket endpoint.
    routes: {
      [SOCKET_PATH]: (request, server) => realtime.handle(request, server),
      [`${SOCKET_PATH}/*`]: (request, server) => realtime.handle(request, server),
    },
    fetch: app.fetch,
    websocket: realtime.websocket,
    // Large uploads and slow upstream streams are normal here.
    maxRequestBodySize: 1024 * 1024 * 1024,
    idleTimeout: 255,
  });
  const url = `http://${server.hostname === "0.0.0.0" ? "127.0.0.1" : server.hostname}:${server.port}`;
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000) =>
    (stopping ??= (async () => {
      const graceful = server.stop(false);
      await ctx.realtime.close();
      const timeout = new Promise<"timeout">((done) => setTimeout(() => done("timeout"), graceMs).unref());
      if ((await Promise.race([graceful, timeout])) === "timeout") await server.stop(true);
      await ctx.close();
    })());
  return { ctx, server, url, stop };
}
