// /api/v1/notes, read side, as routers/notes.py of 0.6.32: every route needs the features.notes
// permission (admins excepted). Creating, changing and deleting notes are absent.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { accessControlView, callerOf, ownersById, permitted, type Caller } from "../core/caller";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { exactInteger } from "../core/nanoseconds";
import type { UserRow } from "../users/repository";
import { listNotesFor, readNote, type NoteRow, type NoteSummary } from "./repository";

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
    .get(
      "/:id",
      async ({ user, params }) => {
        const result = await readNote(ctx.db, await notesCaller(user), params.id);
        if (result === "not_found") throw new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
        if (result === "forbidden") throw new HttpError(403, ERROR_MESSAGES.DEFAULT);
        return toNoteModel(result);
      },
      { auth: "verified", detail: { tags: ["notes"] } },
    );
}
