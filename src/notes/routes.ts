// /api/v1/notes, as routers/notes.py of 0.6.32: every route needs the features.notes
// permission (admins excepted). Changes reach the note's open editors as `note-events` in the
// room `note:<id>`; the collaborative editor's own saves go through the same update (see
// src/realtime/access.ts).
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { AccessControlBody, accessControlView, callerOf, ownersById, permitted, type Caller } from "../core/caller";
import { ERROR_MESSAGES, HttpError, badRequest } from "../core/errors";
import { exactInteger } from "../core/nanoseconds";
import type { UserRow } from "../users/repository";
import { deleteNote, insertNote, listNotesFor, readNote, updateNote, type NoteRow, type NoteSummary } from "./repository";

const JsonObject = t.Record(t.String(), t.Unknown());

const NoteForm = t.Object({
  title: t.String(),
  data: t.Optional(t.Nullable(JsonObject)),
  meta: t.Optional(t.Nullable(JsonObject)),
  access_control: t.Optional(AccessControlBody),
});

const PAGE_SIZE = 60;

const asObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** NoteModel, with the nanosecond timestamps exact. */
export function toNoteModel(row: NoteRow) {
  return {
    id: row.id,
    user_id: row.user_id ?? "",
    title: row.title ?? "",
    data: asObject(row.data),
    meta: asObject(row.meta),
    access_control: accessControlView(row.access_control),
    created_at: exactInteger(row.created_at),
    updated_at: exactInteger(row.updated_at),
  };
}

/**
 * The note-events payload (NoteModel). Timestamps go as plain numbers: the event may travel
 * through the Redis adapter's encoding, which exact JSON numbers do not survive, and the
 * editor does not read them.
 */
function toNoteEvent(row: NoteRow) {
  return { ...toNoteModel(row), created_at: Number(row.created_at ?? 0), updated_at: Number(row.updated_at ?? 0) };
}

function toNoteTitleId(row: NoteSummary) {
  return { id: row.id, title: row.title ?? "", updated_at: exactInteger(row.updated_at), created_at: exactInteger(row.created_at) };
}

export function notesRoutes(ctx: AppContext) {
  /** The caller, once it is known to hold features.notes (admins always do). */
  const notesCaller = async (user: UserRow): Promise<Caller> => {
    const caller = await callerOf(ctx, user);
    if (user.role !== "admin" && !permitted(caller, "features.notes")) throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
    return caller;
  };
  /**
   * A note left public (access_control absent or null) is made private ({}) for a user without
   * sharing.public_notes. The reference applies this on update only; here also on create.
   */
  const sharedAsAllowed = (caller: Caller, body: { access_control?: unknown }) =>
    caller.role !== "admin" && body.access_control == null && !permitted(caller, "sharing.public_notes")
      ? { access_control: {} }
      : "access_control" in body
        ? { access_control: body.access_control }
        : {};
  const refuse = (refusal: "not_found" | "forbidden" | "unmergeable"): never => {
    if (refusal === "not_found") throw new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
    if (refusal === "forbidden") throw new HttpError(403, ERROR_MESSAGES.DEFAULT);
    throw badRequest(ERROR_MESSAGES.DEFAULT);
  };

  return new Elysia({ name: "notes", prefix: "/api/v1/notes" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ user }) => {
        const rows = await listNotesFor(ctx.db, await notesCaller(user), "write");
        const owners = await ownersById(ctx.db, rows.map((r) => r.user_id));
        return rows.map((row) => ({ ...toNoteModel(row), user: (row.user_id && owners.get(row.user_id)) || null }));
      },
      { auth: "verified", detail: { tags: ["notes"] } },
    )
    .get(
      "/list",
      async ({ user, query }) => {
        const caller = await notesCaller(user);
        const page = query.page === undefined ? undefined : { skip: (query.page - 1) * PAGE_SIZE, limit: PAGE_SIZE };
        return (await listNotesFor(ctx.db, caller, "write", page, true)).map(toNoteTitleId);
      },
      { auth: "verified", query: t.Object({ page: t.Optional(t.Integer()) }), detail: { tags: ["notes"] } },
    )
    .post(
      "/create",
      async ({ user, body }) => {
        const caller = await notesCaller(user);
        return toNoteModel(await insertNote(ctx.db, user.id, { ...body, ...sharedAsAllowed(caller, body) }));
      },
      { auth: "verified", body: NoteForm, detail: { tags: ["notes"] } },
    )
    .get(
      "/:id",
      async ({ user, params }) => {
        const result = await readNote(ctx.db, await notesCaller(user), params.id);
        if (result === "not_found") throw new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
        if (result === "forbidden") throw new HttpError(403, ERROR_MESSAGES.DEFAULT);
        return toNoteModel(result);
      },
      { auth: "verified", detail: { tags: ["notes"] } },
    )
    .post(
      "/:id/update",
      async ({ user, params, body }) => {
        const caller = await notesCaller(user);
        const { title, data, meta } = body;
        const result = await updateNote(ctx.db, caller, params.id, { title, data, meta, ...sharedAsAllowed(caller, body) });
        if (typeof result === "string") return refuse(result);
        ctx.emit.toRoom(`note:${result.id}`, "note-events", toNoteEvent(result));
        return toNoteModel(result);
      },
      { auth: "verified", body: NoteForm, detail: { tags: ["notes"] } },
    )
    .delete(
      "/:id/delete",
      async ({ user, params }) => {
        const result = await deleteNote(ctx.db, await notesCaller(user), params.id);
        return result === true ? true : refuse(result);
      },
      { auth: "verified", detail: { tags: ["notes"] } },
    );
}
