// `ctx.emit`: how the rest of the code reaches browsers. Each call is one broadcast through the
// Socket.IO adapter, so it reaches the sockets on whichever instance holds them. A user's
// sockets share the room `user:<id>` (joined when the socket authenticates), so sending to a
// user needs no pool lookup; a socket is also alone in the room named by its id (the session id
// the frontend sends with a chat request). Open WebUI's chat events are
// `toUser(userId, "chat-events", {chat_id, message_id, data: {type, data}})`.
import type { Server, Socket } from "socket.io";
import type { Logger } from "../core/logger";
import { userRoom } from "./socket";

export interface EmitTargets {
  userIds?: string[];
  sessionIds?: string[];
  rooms?: string[];
}

export interface ClientEventSource {
  sessionId: string;
  userId: string;
}

export interface Emitter {
  toUser(userId: string, event: string, payload: unknown): void;
  toSession(sessionId: string, event: string, payload: unknown): void;
  toRoom(room: string, event: string, payload: unknown): void;
  /** One delivery to the union of the targets: a socket in several of them receives it once. */
  to(targets: EmitTargets, event: string, payload: unknown): void;
  /** Sends to one session and waits for its acknowledgement (Open WebUI's `sio.call`). */
  call(sessionId: string, event: string, payload: unknown, timeoutMs?: number): Promise<unknown>;
  /**
   * Receives events a browser emits under a name of the form `<user id>:<session id>:<request id>`
   * (direct-connection replies), from whichever instance holds the socket. Returns the unsubscribe.
   */
  onClientEvent(event: string, handler: (payload: unknown, source: ClientEventSource) => void): () => void;
}

/** Socket.IO session ids (20 url-safe base64 characters); anything else is not a session. */
const SESSION_ID = /^[A-Za-z0-9_-]{20}$/;
const FORWARD_EVENT = "owb:client-event";
const DEFAULT_CALL_TIMEOUT_MS = 60_000;

export class SocketEmitter implements Emitter {
  private handlers = new Map<string, (payload: unknown, source: ClientEventSource) => void>();

  constructor(
    private readonly io: Server,
    private readonly shared: boolean,
    private readonly log: Logger,
  ) {
    if (shared) {
      io.on(FORWARD_EVENT, (event: unknown, payload: unknown, source: unknown) => {
        if (typeof event === "string") this.deliver(event, payload, source as ClientEventSource);
      });
    }
  }

  toUser(userId: string, event: string, payload: unknown): void {
    this.to({ userIds: [userId] }, event, payload);
  }

  toSession(sessionId: string, event: string, payload: unknown): void {
    this.to({ sessionIds: [sessionId] }, event, payload);
  }

  toRoom(room: string, event: string, payload: unknown): void {
    this.to({ rooms: [room] }, event, payload);
  }

  to(targets: EmitTargets, event: string, payload: unknown): void {
    const rooms = roomsOf(targets);
    // An empty room list would mean "everyone".
    if (rooms.length === 0) return;
    this.io.to(rooms).emit(event, payload);
  }

  async call(sessionId: string, event: string, payload: unknown, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<unknown> {
    if (!SESSION_ID.test(sessionId)) return null;
    const answers = await this.io.to(sessionId).timeout(timeoutMs).emitWithAck(event, payload);
    return answers[0] ?? null;
  }

  onClientEvent(event: string, handler: (payload: unknown, source: ClientEventSource) => void): () => void {
    this.handlers.set(event, handler);
    return () => {
      if (this.handlers.get(event) === handler) this.handlers.delete(event);
    };
  }

  /** Called by the socket handlers for an event a socket emitted on its own channel name. */
  fromSocket(event: string, payload: unknown, socket: Socket, userId: string): void {
    const source = { sessionId: socket.id, userId };
    if (this.handlers.has(event)) this.deliver(event, payload, source);
    else if (this.shared) this.io.serverSideEmit(FORWARD_EVENT, event, payload, source);
  }

  private deliver(event: string, payload: unknown, source: ClientEventSource): void {
    const handler = this.handlers.get(event);
    if (!handler) return;
    try {
      handler(payload, source);
    } catch (error) {
      this.log.warn(`handler for ${event} failed`, error);
    }
  }
}

function roomsOf(targets: EmitTargets): string[] {
  const rooms = new Set<string>();
  for (const id of targets.userIds ?? []) if (id) rooms.add(userRoom(id));
  // A session id is also a room name: refuse anything that could name another room ("user:…").
  for (const id of targets.sessionIds ?? []) if (SESSION_ID.test(id)) rooms.add(id);
  for (const room of targets.rooms ?? []) if (room) rooms.add(room);
  return [...rooms];
}
