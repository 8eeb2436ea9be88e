// /api/v1/evaluations, as routers/evaluations.py of 0.6.32: the arena settings, and the ratings
// users give to replies (thumbs up/down under a message, the admin's Evaluations page). The
// frontend writes the rating into the chat message itself; the feedback row is a copy with a
// snapshot of the chat, and nothing here touches the chat.
import { Elysia, t, type Static } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import type { UserRow } from "../users/repository";
import {
  deleteFeedback,
  deleteFeedbacks,
  exportFeedbacks,
  findFeedback,
  insertFeedback,
  listFeedbacks,
  listFeedbacksWithAuthors,
  updateFeedback,
  type FeedbackContent,
  type FeedbackRow,
  type FeedbackSummary,
  type Scope,
} from "./repository";

const JsonObject = t.Record(t.String(), t.Unknown());
const extraKeys = { additionalProperties: t.Unknown() };

/** RatingData: known fields typed, any other kept (details, tags, …). */
const RatingData = t.Object(
  {
    rating: t.Optional(t.Nullable(t.Union([t.Integer(), t.String()]))),
    model_id: t.Optional(t.Nullable(t.String())),
    sibling_model_ids: t.Optional(t.Nullable(t.Array(t.String()))),
    reason: t.Optional(t.Nullable(t.String())),
    comment: t.Optional(t.Nullable(t.String())),
  },
  extraKeys,
);

const FeedbackForm = t.Object({
  type: t.String(),
  data: t.Optional(t.Nullable(RatingData)),
  meta: t.Optional(t.Nullable(JsonObject)),
  snapshot: t.Optional(t.Nullable(t.Object({ chat: t.Optional(t.Nullable(JsonObject)) }, extraKeys))),
});
type FeedbackForm = Static<typeof FeedbackForm>;

// An arena model needs an id and a name: the model list is built from them.
const ArenaModel = t.Object({ id: t.String(), name: t.String() }, extraKeys);
const ConfigForm = t.Object({
  ENABLE_EVALUATION_ARENA_MODELS: t.Optional(t.Nullable(t.Boolean())),
  EVALUATION_ARENA_MODELS: t.Optional(t.Nullable(t.Array(ArenaModel))),
});

const asObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** pydantic's dump of RatingData: every known field (null when unset) first, then the others. */
function ratingData(data: Record<string, unknown>): Record<string, unknown> {
  const { rating, model_id, sibling_model_ids, reason, comment, ...rest } = data;
  return {
    rating: rating ?? null,
    model_id: model_id ?? null,
    sibling_model_ids: sibling_model_ids ?? null,
    reason: reason ?? null,
    comment: comment ?? null,
    ...rest,
  };
}

function snapshotData(snapshot: Record<string, unknown>): Record<string, unknown> {
  const { chat, ...rest } = snapshot;
  return { chat: chat ?? null, ...rest };
}

function toContent(form: FeedbackForm): FeedbackContent {
  return {
    type: form.type,
    data: form.data ? ratingData(form.data) : null,
    meta: form.meta ?? null,
    snapshot: form.snapshot ? snapshotData(form.snapshot) : null,
  };
}

/** FeedbackResponse (no snapshot); rows the reference could not read are shown with defaults. */
function toFeedbackResponse(row: FeedbackSummary) {
  return {
    id: row.id,
    user_id: row.user_id ?? "",
    version: row.version ?? 0,
    type: row.type ?? "",
    data: asObject(row.data),
    meta: asObject(row.meta),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** FeedbackModel: the response plus the snapshot, in the reference's key order. */
function toFeedbackModel(row: FeedbackRow) {
  const { created_at, updated_at, ...head } = toFeedbackResponse(row);
  return { ...head, snapshot: asObject(row.snapshot), created_at, updated_at };
}

/** Admins reach every feedback by id, as the reference lets them; users only their own. */
const scopeOf = (user: UserRow): Scope => (user.role === "admin" ? "everyone" : { ownerId: user.id });

export function evaluationsRoutes(ctx: AppContext) {
  const arenaConfig = () => ({
    ENABLE_EVALUATION_ARENA_MODELS: ctx.config.get("ENABLE_EVALUATION_ARENA_MODELS"),
    EVALUATION_ARENA_MODELS: ctx.config.get("EVALUATION_ARENA_MODELS"),
  });
  const notFound = () => new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
  const tags = ["evaluations"];

  return new Elysia({ name: "evaluations", prefix: "/api/v1/evaluations" })
    .use(authGuard(ctx))
    .get("/config", arenaConfig, { auth: "admin", detail: { tags } })
    .post(
      "/config",
      async ({ body }) => {
        const changes: Parameters<typeof ctx.config.set>[0] = {};
        if (body.ENABLE_EVALUATION_ARENA_MODELS != null) changes.ENABLE_EVALUATION_ARENA_MODELS = body.ENABLE_EVALUATION_ARENA_MODELS;
        if (body.EVALUATION_ARENA_MODELS != null) changes.EVALUATION_ARENA_MODELS = body.EVALUATION_ARENA_MODELS;
        if (Object.keys(changes).length > 0) await ctx.config.set(changes);
        return arenaConfig();
      },
      { auth: "admin", body: ConfigForm, detail: { tags } },
    )
    .get(
      "/feedbacks/all",
      async () =>
        (await listFeedbacksWithAuthors(ctx.db)).map(({ author, ...row }) => ({ ...toFeedbackResponse(row), user: author })),
      { auth: "admin", detail: { tags } },
    )
    .delete("/feedbacks/all", () => deleteFeedbacks(ctx.db, "everyone"), { auth: "admin", detail: { tags } })
    .get("/feedbacks/all/export", async () => (await exportFeedbacks(ctx.db)).map(toFeedbackModel), {
      auth: "admin",
      detail: { tags },
    })
    .get(
      "/feedbacks/user",
      async ({ user }) =>
        (await listFeedbacks(ctx.db, { ownerId: user.id })).map((row) => ({ ...toFeedbackResponse(row), user: null })),
      { auth: "verified", detail: { tags } },
    )
    .delete("/feedbacks", ({ user }) => deleteFeedbacks(ctx.db, { ownerId: user.id }), { auth: "verified", detail: { tags } })
    .post("/feedback", async ({ user, body }) => toFeedbackModel(await insertFeedback(ctx.db, user.id, toContent(body))), {
      auth: "verified",
      body: FeedbackForm,
      detail: { tags },
    })
    .get(
      "/feedback/:id",
      async ({ user, params }) => {
        const row = await findFeedback(ctx.db, scopeOf(user), params.id);
        if (!row) throw notFound();
        return toFeedbackModel(row);
      },
      { auth: "verified", detail: { tags } },
    )
    .post(
      "/feedback/:id",
      async ({ user, params, body }) => {
        // As the reference: `type` is never changed, `data` and `snapshot` are replaced when sent,
        // `meta` only when it holds something.
        const content = toContent(body);
        const change = {
          ...(body.data ? { data: content.data } : {}),
          ...(content.meta && Object.keys(content.meta).length > 0 ? { meta: content.meta } : {}),
          ...(body.snapshot ? { snapshot: content.snapshot } : {}),
        };
        const row = await updateFeedback(ctx.db, scopeOf(user), params.id, change);
        if (!row) throw notFound();
        return toFeedbackModel(row);
      },
      { auth: "verified", body: FeedbackForm, detail: { tags } },
    )
    .delete(
      "/feedback/:id",
      async ({ user, params }) => {
        if (!(await deleteFeedback(ctx.db, scopeOf(user), params.id))) throw notFound();
        return true;
      },
      { auth: "verified", detail: { tags } },
    );
}
