// Many clients in one process, connected the way the 0.6.32 frontend connects (websocket,
// `auth: {token}`, then `user-join`), or as bare WebSockets with MODE=raw. Driven over IPC:
//   {cmd: "connect", url, tokens}  → {connected, failed, ms}
//   {cmd: "expect", total}         → {received, firstAt, lastAt} once `total` chat-events arrived (or 120 s)
//   {cmd: "status"}                → {connected, disconnects}
//   {cmd: "stop"}
import { io, type Socket } from "socket.io-client";

const raw = process.env.MODE === "raw";
const BATCH = 200;
const send = (message: unknown) => process.send?.(message);

let received = 0;
let firstAt = 0;
let lastAt = 0;
let disconnects = 0;
let waiting: { total: number; resolve: () => void } | null = null;
const sockets: (Socket | WebSocket)[] = [];

function onEvent() {
  const now = performance.timeOrigin + performance.now();
  if (received === 0) firstAt = now;
  received++;
  lastAt = now;
  if (waiting && received >= waiting.total) {
    waiting.resolve();
    waiting = null;
  }
}

function openSocketIo(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { path: "/ws/socket.io", transports: ["websocket"], reconnection: false, auth: { token } });
    socket.once("connect", () => {
      socket.emit("user-join", { auth: { token } }, () => resolve(socket));
    });
    socket.once("connect_error", reject);
    socket.on("chat-events", onEvent);
    socket.on("disconnect", () => disconnects++);
  });
}

function openRaw(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, "ws"));
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error("websocket error"));
    ws.onclose = () => disconnects++;
    ws.onmessage = (message) => {
      if (typeof message.data === "string" && message.data.startsWith("42")) onEvent();
    };
  });
}

process.on("message", async (message: any) => {
  if (message.cmd === "connect") {
    const started = performance.now();
    let failed = 0;
    const tokens = message.tokens as string[];
    for (let i = 0; i < tokens.length; i += BATCH) {
      const batch = tokens.slice(i, i + BATCH).map((token) => (raw ? openRaw(message.url) : openSocketIo(message.url, token)));
      for (const result of await Promise.allSettled(batch)) {
        if (result.status === "fulfilled") sockets.push(result.value);
        else failed++;
      }
    }
    send({ connected: sockets.length, failed, ms: performance.now() - started });
  }
  if (message.cmd === "expect") {
    received = 0;
    firstAt = lastAt = 0;
    await new Promise<void>((resolve) => {
      waiting = { total: message.total, resolve };
      setTimeout(resolve, 120_000);
    });
    send({ received, firstAt, lastAt });
  }
  if (message.cmd === "status") {
    const connected = sockets.filter((s) => ("connected" in s ? s.connected : s.readyState === WebSocket.OPEN)).length;
    send({ connected, disconnects });
  }
  if (message.cmd === "stop") {
    for (const socket of sockets) socket.close();
    process.exit(0);
  }
});

send({ ready: true });
