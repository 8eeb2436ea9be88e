// One instance for the realtime benchmark, in its own process. The parent drives it over IPC:
//   {cmd: "memory"}                          → {rss, heapUsed} after a full GC
//   {cmd: "fanout", userIds, perUser, payload} → emits chat-events, answers {sent, ms}
//   {cmd: "stop"}
// With RAW=1 it is not the app at all but a bare Bun WebSocket server sending the same bytes
// (the limit a Socket.IO layer can approach).
import { startServer } from "../../src/server";
import { createLogger } from "../../src/core/logger";

const send = (message: unknown) => process.send?.(message);
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function memory() {
  Bun.gc(true);
  await Bun.sleep(200);
  Bun.gc(true);
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed };
}

if (process.env.RAW === "1") {
  const sockets = new Set<Bun.ServerWebSocket<unknown>>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => (srv.upgrade(request) ? undefined : new Response("websocket only", { status: 400 })),
    websocket: {
      open: (ws) => void sockets.add(ws),
      close: (ws) => void sockets.delete(ws),
      message: () => {},
    },
  });
  process.on("message", async (message: any) => {
    if (message.cmd === "memory") send({ ...(await memory()), connections: sockets.size });
    if (message.cmd === "fanout") {
      // The bytes Socket.IO puts on the wire for emit("chat-events", payload).
      const frame = `42${JSON.stringify(["chat-events", message.payload])}`;
      const started = performance.now();
      let sent = 0;
      for (let round = 0; round < message.perUser; round++) {
        for (const ws of sockets) ws.send(frame);
        sent += sockets.size;
        if (round % 10 === 9) await settle();
      }
      send({ sent, ms: performance.now() - started });
    }
    if (message.cmd === "stop") {
      server.stop(true);
      process.exit(0);
    }
  });
  send({ ready: true, url: `http://127.0.0.1:${server.port}` });
} else {
  const running = await startServer({ source: { ...process.env }, log: createLogger("WARNING"), port: 0, hostname: "127.0.0.1" });
  process.on("message", async (message: any) => {
    if (message.cmd === "memory") send(await memory());
    if (message.cmd === "fanout") {
      const started = performance.now();
      let sent = 0;
      for (let round = 0; round < message.perUser; round++) {
        for (const userId of message.userIds as string[]) running.ctx.emit.toUser(userId, "chat-events", message.payload);
        sent += message.userIds.length;
        if (round % 10 === 9) await settle();
      }
      send({ sent, ms: performance.now() - started });
    }
    if (message.cmd === "stop") {
      await running.stop(1000);
      process.exit(0);
    }
  });
  send({ ready: true, url: running.url });
}
