// Upload: checks (extension, size), the blob, the row, then processing in the background
// (Open WebUI's upload_file_handler and process_uploaded_file).
import type { AppContext } from "../context";
import { defaultError, ERROR_MESSAGES, fileTooLarge, HttpError } from "../core/errors";
import { isTranscribable, transcribe, TranscriptionError } from "../audio/transcription";
import { readUpstreamSettings } from "../core/upstream";
import { errorMessage, processFile } from "../retrieval/ingest";
import { fileExtension } from "../retrieval/loaders";
import { retrieval } from "../retrieval/services";
import { cleanFileName, storedName } from "../storage/provider";
import type { UserRow } from "../users/repository";
import { findFile, insertFile, mergeFileData, type FileModel, type JsonObject } from "./repository";

export interface UploadOptions {
  metadata: JsonObject;
  process: boolean;
  background: boolean;
}

export function parseMetadata(raw: unknown): JsonObject {
  if (raw === undefined || raw === null || raw === "") return {};
  if (typeof raw === "object" && !Array.isArray(raw)) return raw as JsonObject;
  if (typeof raw !== "string") throw new HttpError(400, defaultError("Invalid metadata format"));
  try {
    const value = JSON.parse(raw);
    if (value === null) return {};
    if (typeof value === "object" && !Array.isArray(value)) return value;
  } catch {}
  throw new HttpError(400, defaultError("Invalid metadata format"));
}

/** RAG_ALLOWED_FILE_EXTENSIONS: compared without case and with or without a leading dot. */
export function checkExtension(ctx: AppContext, filename: string): void {
  const allowed = (ctx.config.get("ALLOWED_FILE_EXTENSIONS") ?? []).map((e) => String(e).trim().replace(/^\./, "").toLowerCase()).filter(Boolean);
  if (allowed.length === 0) return;
  const ext = fileExtension(filename);
  if (!allowed.includes(ext)) throw new HttpError(400, defaultError(`File type ${ext} is not allowed`));
}

/** RAG_FILE_MAX_SIZE is in megabytes. */
export function checkSize(ctx: AppContext, size: number): void {
  const max = ctx.config.get("FILE_MAX_SIZE");
  if (typeof max === "number" && max > 0 && size > max * 1024 * 1024) throw new HttpError(413, fileTooLarge(`${max} MB`));
  if (size === 0) throw new HttpError(400, ERROR_MESSAGES.EMPTY_CONTENT);
}

/** Images and videos carry no text to extract (unless an external extraction engine is set); speech is transcribed. */
function extractable(ctx: AppContext, contentType: string | null): boolean {
  if (!contentType || ctx.config.get("CONTENT_EXTRACTION_ENGINE") === "external") return true;
  if (isTranscribable(ctx, contentType)) return true;
  return !contentType.startsWith("image/") && !contentType.startsWith("video/");
}

export async function uploadFile(ctx: AppContext, user: UserRow, upload: File, options: UploadOptions): Promise<FileModel> {
  const name = cleanFileName(upload.name);
  if (options.process) checkExtension(ctx, name);
  checkSize(ctx, upload.size);
  const id = crypto.randomUUID();
  const contentType = upload.type ? upload.type.split(";")[0]!.trim() || null : null;
  const bytes = new Uint8Array(await upload.arrayBuffer());
  let path: string;
  try {
    path = await retrieval(ctx).storage.put(storedName(id, name), bytes, contentType ?? undefined);
  } catch (error) {
    ctx.log.error("storing an upload failed", error);
    throw new HttpError(400, defaultError("Error uploading file"));
  }
  const process = options.process && extractable(ctx, contentType);
  const file = await insertFile(ctx.db, {
    id,
    user_id: user.id,
    filename: name,
    path,
    data: process ? { status: "pending" } : {},
    meta: { name, content_type: contentType, size: bytes.byteLength, data: options.metadata },
  });
  if (!process) return file;
  if (options.background) {
    retrieval(ctx).jobs.add(() => processUpload(ctx, user, file));
    return file;
  }
  await processUpload(ctx, user, file);
  return (await findFile(ctx.db, id)) ?? file;
}

/** Never throws: failures end up in `data.status = "failed"` with the reason in `data.error`. */
export async function processUpload(ctx: AppContext, user: UserRow, file: FileModel): Promise<void> {
  const contentType = String(file.meta?.content_type ?? "");
  if (!contentType || !isTranscribable(ctx, contentType)) {
    await processFile(ctx, user, file).catch(() => {});
    return;
  }
  let text: string;
  try {
    text = await transcribeStored(ctx, file, contentType);
  } catch (error) {
    const message = error instanceof TranscriptionError ? `Error transcribing chunk: ${error.message}` : errorMessage(error);
    await mergeFileData(ctx.db, file.id, { status: "failed", error: message });
    retrieval(ctx).fileEvents.dispatchEvent(new Event(file.id));
    return;
  }
  await processFile(ctx, user, file, { content: text }).catch(() => {});
}

/** The transcript of an uploaded recording, in the language its upload metadata names. */
async function transcribeStored(ctx: AppContext, file: FileModel, contentType: string): Promise<string> {
  const blob = await retrieval(ctx).storage.get(file.path ?? "");
  if (!blob) throw new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
  const metadata = file.meta?.data as JsonObject | undefined;
  const language = typeof metadata?.language === "string" ? metadata.language : null;
  const recording = { bytes: new Uint8Array(await blob.arrayBuffer()), filename: file.filename, contentType };
  const { text } = await transcribe(ctx, readUpstreamSettings(ctx.env.raw), recording, language);
  return text;
}
