// /api/v1/files — the twelve routes of Open WebUI's routers/files.py.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { defaultError, HttpError, notFound } from "../core/errors";
import { knowledgeContaining } from "../knowledge/repository";
import { processFile } from "../retrieval/ingest";
import { retrieval } from "../retrieval/services";
import { findUserById, type UserRow } from "../users/repository";
import { findAccessibleFile } from "./access";
import {
  deleteAllFileRows,
  deleteFileRow,
  findFile,
  listFiles,
  type FileModel,
} from "./repository";
import { missingField, readMultipart } from "../core/multipart";
import { parseMetadata, uploadFile } from "./upload";

const MAX_STATUS_SECONDS = 2 * 3600;
const STATUS_POLL_MS = 500;

export function filesRoutes(ctx: AppContext) {
  const readable = async (id: string, user: UserRow) => {
    const file = await findAccessibleFile(ctx.db, id, user, "read");
    if (!file) throw notFound();
    return file;
  };
  const writable = async (id: string, user: UserRow) => {
    const file = await findAccessibleFile(ctx.db, id, user, "write");
    if (!file) throw notFound();
    return file;
  };

  return new Elysia({ name: "files", prefix: "/api/v1/files" })
    .use(authGuard(ctx))
    .post(
      "/",
      async ({ user, request, query }) => {
        const { form, declaredTypes } = await readMultipart(request);
        const upload = form.get("file");
        if (!(upload instanceof Blob)) throw missingField("file");
        const options = {
          metadata: parseMetadata(form.get("metadata") ?? undefined),
          process: flag(query.process, true, "process"),
          background: flag(query.process_in_background, true, "process_in_background"),
        };
        // The type the browser declared (Bun's parser guesses one from the file name).
        const declared = declaredTypes.get("file") || upload.type;
        const file = await uploadFile(ctx, user, new File([upload], upload instanceof File ? upload.name : "", { type: declared }), options);
        return options.process ? uploadResponse(file) : file;
      },
      {
        auth: "verified",
        parse: "none",
        query: t.Object({ process: t.Optional(t.String()), process_in_background: t.Optional(t.String()) }),
      },
    )
    .get(
      "/",
      async ({ user, query }) => withoutContent(await listFiles(ctx.db, user), flag(query.content, true, "content")),
      { auth: "verified", query: t.Object({ content: t.Optional(t.String()) }) },
    )
    .get(
      "/search",
      async ({ user, query }) => {
        const pattern = new Bun.Glob(query.filename.toLowerCase());
        const matches = (await listFiles(ctx.db, user)).filter((f) => pattern.match(f.filename.toLowerCase()));
        if (matches.length === 0) throw new HttpError(404, "No files found matching the pattern.");
        return withoutContent(matches, flag(query.content, true, "content"));
      },
      { auth: "verified", query: t.Object({ filename: t.String(), content: t.Optional(t.String()) }) },
    )
    .delete(
      "/all",
      async () => {
        const { storage, store } = retrieval(ctx);
        try {
          await deleteAllFileRows(ctx.db);
          await storage.deleteAll();
          await store.reset();
        } catch (error) {
          ctx.log.error("deleting all files failed", error);
          throw new HttpError(400, defaultError("Error deleting files"));
        }
        return { message: "All files deleted successfully" };
      },
      { auth: "admin" },
    )
    .get("/:id", async ({ user, params }) => readable(params.id, user), { auth: "verified" })
    .get(
      "/:id/process/status",
      async ({ user, params, query, request }) => {
        const file = await readable(params.id, user);
        if (!flag(query.stream, false, "stream")) return { status: file.data?.status ?? "pending" };
        return statusStream(ctx, file.id, request.signal);
      },
      { auth: "verified", query: t.Object({ stream: t.Optional(t.String()) }) },
    )
    .get(
      "/:id/data/content",
      async ({ user, params }) => ({ content: (await readable(params.id, user)).data?.content ?? "" }),
      { auth: "verified" },
    )
    .post(
      "/:id/data/content/update",
      async ({ user, params, body }) => {
        const file = await writable(params.id, user);
        await processFile(ctx, user, file, { content: body.content }).catch((error) => {
          ctx.log.warn(`updating the content of file ${file.id} failed`, error);
        });
        const fresh = await findFile(ctx.db, file.id);
        return { content: fresh?.data?.content ?? "" };
      },
      { auth: "verified", body: t.Object({ content: t.String() }) },
    )
    .get(
      "/:id/content",
      async ({ user, params, query }) => {
        const file = await readable(params.id, user);
        const blob = await blobOf(ctx, file);
        const name = String(file.meta?.name ?? file.filename);
        let contentType = typeof file.meta?.content_type === "string" ? file.meta.content_type : null;
        const headers: Record<string, string> = {};
        if (flag(query.attachment, false, "attachment")) {
          headers["content-disposition"] = disposition("attachment", name);
        } else if (contentType === "application/pdf" || name.toLowerCase().endsWith(".pdf")) {
          headers["content-disposition"] = disposition("inline", name);
          contentType = "application/pdf";
        } else if (contentType !== "text/plain") {
          headers["content-disposition"] = disposition("attachment", name);
        }
        headers["content-type"] = withCharset(contentType || blob.type || "application/octet-stream");
        return new Response(blob, { headers });
      },
      { auth: "verified", query: t.Object({ attachment: t.Optional(t.String()) }) },
    )
    .get(
      "/:id/content/html",
      async ({ user, params }) => {
        const file = await findFile(ctx.db, params.id);
        if (!file) throw notFound();
        const uploader = await findUserById(ctx.db, file.user_id);
        if (uploader?.role !== "admin") throw notFound();
        const blob = await blobOf(ctx, await readable(params.id, user));
        return new Response(blob, { headers: { "content-type": withCharset(blob.type || "application/octet-stream") } });
      },
      { auth: "verified" },
    )
    .get(
      "/:id/content/:file_name",
      async ({ user, params }) => {
        const file = await readable(params.id, user);
        const headers = { "content-disposition": disposition("attachment", String(file.meta?.name ?? file.filename)) };
        if (!file.path) {
          return new Response(String(file.data?.content ?? ""), { headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
        }
        const blob = await blobOf(ctx, file);
        return new Response(blob, { headers: { ...headers, "content-type": withCharset(blob.type || "application/octet-stream") } });
      },
      { auth: "verified" },
    )
    .delete(
      "/:id",
      async ({ user, params }) => {
        const file = await writable(params.id, user);
        await deleteFileEverywhere(ctx, file);
        return { message: "File deleted successfully" };
      },
      { auth: "verified" },
    );
}

/** The row, the blob, its own collection, and its chunks in knowledge bases that list it. */
export async function deleteFileEverywhere(ctx: AppContext, file: FileModel): Promise<void> {
  const { storage, store } = retrieval(ctx);
  await deleteFileRow(ctx.db, file.id);
  try {
    if (file.path) await storage.delete(file.path);
    await store.deleteCollection(`file-${file.id}`);
    for (const knowledge of await knowledgeContaining(ctx.db, file.id)) {
      await store.delete(knowledge.id, { filter: { file_id: file.id } });
    }
  } catch (error) {
    ctx.log.error(`cleaning up after file ${file.id} failed`, error);
    throw new HttpError(400, defaultError("Error deleting files"));
  }
}

/** The upload answer: `status: true` plus the row, in Open WebUI's key order. */
function uploadResponse(file: FileModel) {
  const { path, access_control, ...rest } = file;
  return { ...rest, status: true, path, access_control };
}

function withoutContent(files: FileModel[], content: boolean): FileModel[] {
  if (content) return files;
  return files.map((f) => {
    if (!f.data || !("content" in f.data)) return f;
    const { content: _dropped, ...data } = f.data;
    return { ...f, data };
  });
}

async function blobOf(ctx: AppContext, file: FileModel): Promise<Blob> {
  if (!file.path) throw notFound();
  let blob: Blob | null;
  try {
    blob = await retrieval(ctx).storage.get(file.path);
  } catch (error) {
    ctx.log.error(`reading file ${file.id} failed`, error);
    throw new HttpError(400, defaultError("Error getting file content"));
  }
  if (!blob) throw notFound();
  return blob;
}

/** RFC 5987 `filename*`, encoded like Python's urllib.parse.quote. */
function disposition(kind: "inline" | "attachment", name: string): string {
  const encoded = encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename*=UTF-8''${encoded}`;
}

function withCharset(type: string): string {
  const base = type.split(";")[0]!.trim();
  return base.startsWith("text/") ? `${base}; charset=utf-8` : type;
}

/** FastAPI's bool query parsing; anything else is a 422 like pydantic's. */
export function flag(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (["true", "1", "yes", "on", "y", "t"].includes(lower)) return true;
  if (["false", "0", "no", "off", "n", "f"].includes(lower)) return false;
  throw new HttpError(422, [
    { type: "bool_parsing", loc: ["query", name], msg: "Input should be a valid boolean, unable to interpret input" },
  ]);
}

/** Server-sent events with the processing status until it is completed or failed. */
function statusStream(ctx: AppContext, id: string, signal: AbortSignal): Response {
  const { fileEvents } = retrieval(ctx);
  const encoder = new TextEncoder();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const deadline = Date.now() + MAX_STATUS_SECONDS * 1000;
      try {
        while (!closed && !signal.aborted && Date.now() < deadline) {
          const file = await findFile(ctx.db, id);
          if (!file) {
            controller.enqueue(encoder.encode('data: {"status": "not_found"}\n\n'));
            break;
          }
          const status = file.data?.status;
          if (typeof status !== "string") break;
          const event =
            status === "failed"
              ? `{"status": "failed", "error": ${JSON.stringify(file.data?.error ?? null)}}`
              : `{"status": ${JSON.stringify(status)}}`;
          controller.enqueue(encoder.encode(`data: ${event}\n\n`));
          if (status === "completed" || status === "failed") break;
          await wake(fileEvents, id, STATUS_POLL_MS, signal);
        }
      } catch (error) {
        ctx.log.warn(`status stream for file ${id} stopped`, error);
      }
      if (!closed) controller.close();
    },
    cancel() {
      closed = true;
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
}

/** Waits for the file's processing event on this instance, or `ms`, whichever comes first. */
function wake(events: EventTarget, id: string, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      events.removeEventListener(id, done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    events.addEventListener(id, done);
    signal.addEventListener("abort", done);
  });
}

