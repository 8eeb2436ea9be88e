// Notes and their open editors, on a real server: an update reaches the sockets in the note's
// room as `note-events` (and nobody else); what the collaborative editor saves through the socket
// and what the note page saves through the API merge into one note; a deleted note stays deleted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as Y from "yjs";
import type { Socket } from "socket.io-client";
import { createTestDatabase, dialects, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import { collect, connect, eventually, join, next, startInstance, type Instance } from "../realtime/helpers";

for (const dialect of dialects) {
  describe(dialect, () => {
    let database: TestDatabase;
    let server: Instance;
    let alice: Awaited<ReturnType<typeof insertUser>>;
    let carol: Awaited<ReturnType<typeof insertUser>>;
    let bob: Awaited<ReturnType<typeof insertUser>>;
    const sockets: Socket[] = [];

    const send = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const editor = async (userId: string, noteId: string) => {
      const token = server.tokenFor(userId);
      const socket = await connect(server.url, token);
      sockets.push(socket);
      await join(socket, token);
      socket.emit("join-note", { note_id: noteId, auth: { token } });
      return socket;
    };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      server = await startInstance(database);
      alice = await insertUser(server.ctx, { role: "user", name: "Alice" });
      carol = await insertUser(server.ctx, { role: "user", name: "Carol" });
      bob = await insertUser(server.ctx, { role: "user", name: "Bob" });
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await server.stop();
      await database.drop();
    });

    test("an update reaches the note's editors as note-events; others hear nothing", async () => {
      const aliceToken = server.tokenFor(alice.id);
      const access = { read: { user_ids: [carol.id], group_ids: [] }, write: { user_ids: [carol.id], group_ids: [] } };
      const note = (await send("POST", "/api/v1/notes/create", aliceToken, { title: "plan", data: { content: { md: "a" } }, access_control: access })).body;
      const [own, writer, outsider] = await Promise.all([editor(alice.id, note.id), editor(carol.id, note.id), editor(bob.id, note.id)]);
      await Bun.sleep(100);

      const heard = Promise.all([next(own, "note-events"), next(writer, "note-events")]);
      const overheard = collect(outsider, "note-events", 300);
      const files = [{ id: "f1", type: "image" }];
      const updated = await send("POST", `/api/v1/notes/${note.id}/update`, server.tokenFor(carol.id), {
        title: "plan v2",
        data: { files },
        access_control: access,
      });
      expect(updated.status).toBe(200);
      const [first, second] = await heard;
      expect(first).toEqual(second);
      expect(first).toMatchObject({ id: note.id, user_id: alice.id, title: "plan v2", data: { content: { md: "a" }, files }, access_control: access });
      expect(typeof first.updated_at).toBe("number");
      expect(await overheard).toEqual([]);

      // A refused update tells nobody.
      const quiet = collect(own, "note-events", 300);
      expect((await send("POST", `/api/v1/notes/${note.id}/update`, server.tokenFor(bob.id), { title: "mine" })).status).toBe(403);
      expect(await quiet).toEqual([]);
    });

    test("the editor's socket saves and the page's updates merge; a deleted note is not brought back", async () => {
      const aliceToken = server.tokenFor(alice.id);
      const note = (await send("POST", "/api/v1/notes/create", aliceToken, { title: "doc", data: { content: { md: "" } }, access_control: {} })).body;
      const socket = await editor(alice.id, note.id);
      const documentId = `note:${note.id}`;
      const state = next(socket, "ydoc:document:state");
      socket.emit("ydoc:document:join", { document_id: documentId, user_id: alice.id });
      await state;

      const doc = new Y.Doc();
      doc.getText("t").insert(0, "typed");
      const update = Array.from(Y.encodeStateAsUpdate(doc));
      const typed = { content: { json: null, html: "<p>typed</p>", md: "typed" } };
      socket.emit("ydoc:document:update", { document_id: documentId, user_id: alice.id, update, data: typed });
      const read = async () => (await send("GET", `/api/v1/notes/${note.id}`, aliceToken)).body;
      await eventually(async () => (await read()).data?.content?.md === "typed");
      const savedBySocket = await read();
      expect(BigInt(savedBySocket.updated_at)).toBeGreaterThan(BigInt(note.updated_at));

      // The note page saves its files: the typed content stays.
      const files = [{ id: "f2", type: "file" }];
      await send("POST", `/api/v1/notes/${note.id}/update`, aliceToken, { title: "doc", data: { files }, access_control: {} });
      expect((await read()).data).toEqual({ ...typed, files });

      // Typing right before the note is deleted: the pending save finds no note and writes nothing.
      socket.emit("ydoc:document:update", { document_id: documentId, user_id: alice.id, update, data: { content: { md: "late" } } });
      expect((await send("DELETE", `/api/v1/notes/${note.id}/delete`, aliceToken)).body).toBe(true);
      await Bun.sleep(800);
      expect((await send("GET", `/api/v1/notes/${note.id}`, aliceToken)).status).toBe(404);
      const { note: table } = server.ctx.db.t;
      expect((await server.ctx.db.read.select({ id: table.id }).from(table)).map((r) => r.id)).not.toContain(note.id);
    });
  });
}
