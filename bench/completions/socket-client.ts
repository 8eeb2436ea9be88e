// A browser stand-in for the socket benchmark, in its own process: connects, joins, counts
// chat-events. bun bench/completions/socket-client.ts <server url> <token>
import { io } from "socket.io-client";

const [url, token] = process.argv.slice(2) as [string, string];
const socket = io(url, { path: "/ws/socket.io", transports: ["websocket"], auth: { token }, reconnection: false });
let events = 0;
socket.on("chat-events", () => events++);
socket.on("connect", async () => {
  await socket.timeout(5000).emitWithAck("user-join", { auth: { token } });
  console.log("ready client");
});
setInterval(() => process.stdout.write(""), 1000);
process.on("SIGTERM", () => {
  console.error(`events ${events}`);
  process.exit(0);
});
