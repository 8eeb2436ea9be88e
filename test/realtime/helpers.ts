// Real servers on ephemeral ports and socket.io-client sockets, for the realtime tests.
import { io, type Socket } from "socket.io-client";
import { signToken } from "../../src/core/jwt";
import { createServer, connect as tcpConnect, type Server as TcpServer, type Socket as TcpSocket } from "node:net";
import { createLogger, type Logger } from "../../src/core/logger";
import { startServer, type RunningServer } from "../../src/server";
import type { TestDatabase } from "../support/databases";
import { TEST_SECRET } from "../support/app";

export const redisUrl = process.env.REDIS_URL ?? "";
if (!redisUrl) console.warn("REDIS_URL is not set: multi-instance realtime tests are skipped");

export interface Instance extends RunningServer {
  tokenFor(userId: string): string;
  get(path: string, token?: string): Promise<{ status: number; body: any }>;
}

export async function startInstance(
  database: TestDatabase,
  env: Record<string, string> = {},
  log: Logger = createLogger("ERROR"),
): Promise<Instance> {
  const running = await startServer({
    source: { DATA_DIR: database.dataDir, DATABASE_URL: database.url, WEBUI_SECRET_KEY: TEST_SECRET, ...env },
    log,
    port: 0,
    hostname: "127.0.0.1",
  });
  return {
    ...running,
    tokenFor: (userId) => signToken({ id: userId }, TEST_SECRET),
    get: async (path, token) => {
      const response = await fetch(`${running.url}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: response.status, body };
    },
  };
}

/** A socket connected the way the 0.6.32 frontend connects. */
export async function connect(
  url: string,
  token: string | undefined,
  transports: ("websocket" | "polling")[] = ["websocket"],
): Promise<Socket> {
  const socket = io(url, {
    path: "/ws/socket.io",
    transports,
    reconnection: false,
    auth: { token },
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

/** Emits `user-join` as the frontend does and returns the acknowledgement. */
export function join(socket: Socket, token: unknown): Promise<unknown> {
  return socket.timeout(5000).emitWithAck("user-join", { auth: { token } });
}

/** The next `event` on `socket` that matches, or a rejection after `ms`. */
export function next<T = any>(socket: Socket, event: string, match: (payload: T) => boolean = () => true, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const listener = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Collects every `event` on `socket` for `ms` (to prove that nothing arrives). */
export async function collect(socket: Socket, event: string, ms: number): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (payload: unknown) => seen.push(payload);
  socket.on(event, listener);
  await Bun.sleep(ms);
  socket.off(event, listener);
  return seen;
}

/** Polls `check` until it is true (state that settles across instances). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await Bun.sleep(25);
  }
  throw new Error("condition not met in time");
}

export function uniquePrefix(): string {
  return `owb-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

export const chatEvent = (chatId: string, type: string, data: unknown) => ({
  chat_id: chatId,
  message_id: "message-1",
  data: { type, data },
});

/** A TCP relay in front of Redis that a test can cut and restore, to play a Redis outage. */
export async function startRelay(target: string): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const upstream = new URL(target);
  const connections = new Set<TcpSocket>();
  let server: TcpServer | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const remote = tcpConnect(Number(upstream.port || 6379), upstream.hostname);
        for (const socket of [client, remote]) {
          connections.add(socket);
          socket.on("error", () => {});
          socket.on("close", () => {
            connections.delete(socket);
            client.destroy();
            remote.destroy();
          });
        }
        client.pipe(remote);
        remote.pipe(client);
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server?.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      for (const socket of connections) socket.destroy();
    });
    server = null;
  };
  await listen();
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return { url: url.toString(), cut, restore: listen, close: cut };
}

/** A logger that keeps its lines, to count what an outage logs. */
export function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger("INFO", (line) => lines.push(line)), lines };
}
