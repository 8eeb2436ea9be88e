// The Socket.IO events of Open WebUI 0.6.32 (socket/main.py): a socket connects with
// `auth: {token}` and is always accepted; with a good token it joins the pools as that user,
// otherwise it stays anonymous and receives nothing user-specific. Every handler checks its
// payload and never throws: a malformed event is ignored.
import type { Server, Socket } from "socket.io";
import type { Db } from "../db/client";
import type { Logger } from "../core/logger";
import type { UserRow } from "../users/repository";
import { findNote, mayUseNote, readableChannelIds, saveNoteData } from "./access";
import type { Pools, SessionUser } from "./pools";
import { documentState, validUpdate, type YdocStore } from "./ydoc";

export const userRoom = (userId: string) => `user:${userId}`;
const docRoom = (documentId: string) => `doc_${documentId}`;
const NOTE_SAVE_DELAY_MS = 500;

export interface SocketDeps {
  db: Db;
  log: Logger;
  pools: Pools;
  ydocs: YdocStore;
  /** The user a token belongs to, through the one auth path; null for a bad or missing token. */
  identify(token: unknown): Promise<UserRow | null>;
  /** Keeps a handler's promise until it settles, so shutdown can wait for pool cleanup. */
  track(work: Promise<unknown>): void;
  /** Events named `<user id>:<session id>:<request id>` (direct-connection replies). */
  clientEvent(event: string, payload: unknown, socket: Socket): void;
}

interface SocketData {
  user?: SessionUser;
  documents?: Set<string>;
}

type Ack = ((...args: unknown[]) => void) | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | null => (typeof value === "string" && value.length > 0 ? value : null);

const tokenOf = (data: unknown): unknown => (isObject(data) && isObject(data.auth) ? data.auth.token : undefined);

export function sessionUser(user: UserRow): SessionUser {
  return { id: user.id, name: user.name, email: user.email, role: user.role, profile_image_url: user.profile_image_url };
}

export function installHandlers(io: Server, deps: SocketDeps): void {
  const { log } = deps;
  const noteSaves = new Map<string, ReturnType<typeof setTimeout>>();

  const run = (name: string, work: () => Promise<unknown>) => {
    const promise = work().catch((error) => log.warn(`socket event ${name} failed`, error));
    deps.track(promise);
    return promise;
  };

  io.use((socket, next) => {
    const token = isObject(socket.handshake.auth) ? socket.handshake.auth.token : undefined;
    deps
      .identify(token)
      .then((user) => {
        if (user) (socket.data as SocketData).user = sessionUser(user);
      })
      .catch((error) => log.warn("socket authentication failed", error))
      .finally(() => next());
  });

  io.on("connection", (socket) => {
    const data = socket.data as SocketData;
    log.debug(`socket ${socket.id} connected (${socket.conn.transport.name}) as ${data.user?.id ?? "anonymous"}`);
    if (data.user) run("connect", () => register(socket, data.user as SessionUser));

    socket.on("user-join", (payload: unknown, ack: Ack) => {
      run("user-join", async () => {
        const user = await deps.identify(tokenOf(payload));
        log.debug(`socket ${socket.id} user-join as ${user?.id ?? "nobody (token refused)"}`);
        if (!user) return reply(ack);
        await register(socket, sessionUser(user));
        await joinChannels(socket, user.id);
        reply(ack, { id: user.id, name: user.name });
      });
    });

    socket.on("join-channels", (payload: unknown) => {
      run("join-channels", async () => {
        const user = await deps.identify(tokenOf(payload));
        if (user) await joinChannels(socket, user.id);
      });
    });

    socket.on("join-note", (payload: unknown) => {
      run("join-note", async () => {
        const noteId = isObject(payload) ? text(payload.note_id) : null;
        const user = await deps.identify(tokenOf(payload));
        if (!user || !noteId) return;
        const note = await findNote(deps.db, noteId);
        if (note && (await mayUseNote(deps.db, sessionUser(user), note, "read"))) socket.join(`note:${note.id}`);
      });
    });

    socket.on("usage", (payload: unknown) => {
      const model = isObject(payload) ? text(payload.model) : null;
      if (data.user && model) run("usage", () => deps.pools.touchUsage(model, socket.id));
    });

    socket.on("channel-events", (payload: unknown) => {
      if (!isObject(payload) || !data.user) return;
      const channelId = text(payload.channel_id);
      const event = payload.data;
      if (!channelId || !isObject(event) || event.type !== "typing") return;
      const room = `channel:${channelId}`;
      if (!socket.rooms.has(room)) return;
      const { id, name, role, profile_image_url } = data.user;
      io.to(room).emit("channel-events", {
        channel_id: channelId,
        message_id: payload.message_id ?? null,
        data: event,
        user: { id, name, role, profile_image_url },
      });
    });

    socket.on("ydoc:document:join", (payload: unknown) => {
      run("ydoc:document:join", async () => {
        try {
          await joinDocument(socket, payload);
        } catch (error) {
          log.debug(`ydoc join failed: ${error instanceof Error ? error.message : error}`);
          socket.emit("error", { message: "Failed to join document" });
        }
      });
    });

    socket.on("ydoc:document:state", (payload: unknown) => {
      run("ydoc:document:state", async () => {
        const documentId = isObject(payload) ? text(payload.document_id) : null;
        if (!documentId || !socket.rooms.has(docRoom(documentId))) return;
        if (!(await deps.ydocs.exists(documentId))) return;
        await sendState(socket, documentId);
      });
    });

    socket.on("ydoc:document:update", (payload: unknown) => {
      run("ydoc:document:update", async () => {
        if (!isObject(payload)) return;
        const documentId = text(payload.document_id);
        const update = await validUpdate(payload.update);
        if (!documentId || !update || !socket.rooms.has(docRoom(documentId))) return;
        await deps.ydocs.append(documentId, update);
        socket.to(docRoom(documentId)).emit("ydoc:document:update", {
          document_id: documentId,
          user_id: payload.user_id ?? socket.id,
          update,
          socket_id: socket.id,
        });
        if (isObject(payload.data) && Object.keys(payload.data).length > 0 && data.user) {
          scheduleNoteSave(documentId, payload.data, data.user);
        }
      });
    });

    socket.on("ydoc:document:leave", (payload: unknown) => {
      run("ydoc:document:leave", async () => {
        const documentId = isObject(payload) ? text(payload.document_id) : null;
        if (!documentId || !isObject(payload)) return;
        await leaveDocument(socket, documentId, payload.user_id ?? socket.id);
      });
    });

    socket.on("ydoc:awareness:update", (payload: unknown) => {
      if (!isObject(payload)) return;
      const documentId = text(payload.document_id);
      if (!documentId || !socket.rooms.has(docRoom(documentId))) return;
      socket.to(docRoom(documentId)).emit("ydoc:awareness:update", {
        document_id: documentId,
        user_id: payload.user_id ?? socket.id,
        update: payload.update,
      });
    });

    socket.onAny((event: unknown, payload: unknown) => {
      if (typeof event === "string" && data.user && event.startsWith(`${data.user.id}:${socket.id}:`)) {
        deps.clientEvent(event, payload, socket);
      }
    });

    socket.on("disconnect", (reason) => {
      log.debug(`socket ${socket.id} disconnected: ${reason}`);
      run("disconnect", async () => {
        await deps.pools.remove(socket.id);
        for (const documentId of data.documents ?? []) await forgetEditor(documentId, socket.id);
      });
    });
  });

  async function register(socket: Socket, user: SessionUser): Promise<void> {
    const data = socket.data as SocketData;
    if (data.user && data.user.id !== user.id) {
      socket.leave(userRoom(data.user.id));
      await deps.pools.remove(socket.id);
    }
    data.user = user;
    socket.join(userRoom(user.id));
    await deps.pools.add(socket.id, user);
    // The socket may have gone while Redis answered: do not leave it behind in the pools.
    if (socket.disconnected) await deps.pools.remove(socket.id);
  }

  async function joinChannels(socket: Socket, userId: string): Promise<void> {
    const ids = await readableChannelIds(deps.db, userId);
    if (ids.length > 0) socket.join(ids.map((id) => `channel:${id}`));
  }

  async function joinDocument(socket: Socket, payload: unknown): Promise<void> {
    const data = socket.data as SocketData;
    if (!isObject(payload)) throw new Error("no payload");
    const documentId = text(payload.document_id);
    if (!documentId) throw new Error("no document id");
    if (documentId.startsWith("note:")) {
      if (!data.user) throw new Error("anonymous socket");
      const note = await findNote(deps.db, documentId.split(":")[1] ?? "");
      if (!note || !(await mayUseNote(deps.db, data.user, note, "read"))) return;
    }
    await deps.ydocs.addUser(documentId, socket.id);
    (data.documents ??= new Set()).add(documentId);
    socket.join(docRoom(documentId));
    await sendState(socket, documentId);
    socket.to(docRoom(documentId)).emit("ydoc:user:joined", {
      document_id: documentId,
      user_id: payload.user_id ?? socket.id,
      user_name: payload.user_name ?? "Anonymous",
      user_color: payload.user_color ?? "#000000",
    });
  }

  async function sendState(socket: Socket, documentId: string): Promise<void> {
    const room = docRoom(documentId);
    const [updates, sessions] = await Promise.all([
      deps.ydocs.updates(documentId),
      io
        .in(room)
        .fetchSockets()
        .then((sockets) => sockets.map((s) => s.id))
        // Another instance that does not answer: the editors connected here are still right.
        .catch(() => [...(io.sockets.adapter.rooms.get(room) ?? [])]),
    ]);
    socket.emit("ydoc:document:state", { document_id: documentId, state: await documentState(updates), sessions });
  }

  async function leaveDocument(socket: Socket, documentId: string, userId: unknown): Promise<void> {
    const data = socket.data as SocketData;
    data.documents?.delete(documentId);
    socket.leave(docRoom(documentId));
    io.to(docRoom(documentId)).emit("ydoc:user:left", { document_id: documentId, user_id: userId });
    await forgetEditor(documentId, socket.id);
  }

  async function forgetEditor(documentId: string, sid: string): Promise<void> {
    const remaining = await deps.ydocs.removeUser(documentId, sid);
    if (remaining === 0) await deps.ydocs.clear(documentId);
  }

  /** Saves the note's data half a second after the last edit (Open WebUI's debounce). */
  function scheduleNoteSave(documentId: string, noteData: Record<string, unknown>, user: SessionUser): void {
    if (!documentId.startsWith("note:")) return;
    const noteId = documentId.split(":")[1] ?? "";
    clearTimeout(noteSaves.get(noteId));
    const timer = setTimeout(() => {
      noteSaves.delete(noteId);
      run("note save", async () => {
        await saveNoteData(deps.db, user, noteId, noteData);
      });
    }, NOTE_SAVE_DELAY_MS);
    noteSaves.set(noteId, timer);
  }
}

function reply(ack: Ack, ...args: unknown[]): void {
  if (typeof ack === "function") ack(...args);
}
