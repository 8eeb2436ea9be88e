// From a file (or text) to chunks in a collection: extraction, splitting, the duplicate check,
// embedding, insertion — Open WebUI's process_file and save_docs_to_vector_db.
import type { AppContext } from "../context";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { mergeFileData, mergeFileMeta, setFileHash, type FileModel } from "../files/repository";
import type { UserRow } from "../users/repository";
import { EmbeddingError, resolveEmbedder } from "./embeddings";
import { loadDocuments, UnsupportedFileError, type LoadedDocument } from "./loaders";
import { retrieval } from "./services";
import { splitDocuments, SplitterError } from "./splitters";
import { flattenMetadata, type Metadata } from "./vector/types";

export class IngestError extends Error {}

export function sha256(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

export interface SaveOptions {
  /** Extra metadata on every chunk; a `hash` makes a second copy of the same content an error. */
  metadata?: Metadata;
  overwrite?: boolean;
  add?: boolean;
  split?: boolean;
}

/** Splits, embeds and stores documents; false-free: it throws with a message the user can read. */
export async function saveDocuments(
  ctx: AppContext,
  user: UserRow | null,
  documents: LoadedDocument[],
  collection: string,
  options: SaveOptions = {},
): Promise<void> {
  const { store } = retrieval(ctx);
  const hash = options.metadata?.hash;
  if (typeof hash === "string" && (await store.query(collection, { hash }, 1)).length > 0) {
    throw new IngestError(ERROR_MESSAGES.DUPLICATE_CONTENT);
  }
  const chunks = options.split === false ? documents : await splitDocuments(documents, splitSettings(ctx));
  if (chunks.length === 0) throw new IngestError(ERROR_MESSAGES.EMPTY_CONTENT);

  if (await store.hasCollection(collection)) {
    if (options.overwrite) await store.deleteCollection(collection);
    else if (!options.add) return;
  }
  const embeddingConfig = { engine: ctx.config.get("RAG_EMBEDDING_ENGINE"), model: ctx.config.get("RAG_EMBEDDING_MODEL") };
  const embedder = await resolveEmbedder(ctx);
  const vectors = embedder
    ? await embedder.embed(chunks.map((c) => c.text.replaceAll("\n", " ")), "document", user)
    : chunks.map(() => null);
  await store.insert(
    collection,
    chunks.map((chunk, i) => ({
      id: crypto.randomUUID(),
      text: chunk.text,
      vector: vectors[i] ?? null,
      metadata: { ...chunk.metadata, ...options.metadata, embedding_config: embeddingConfig },
    })),
  );
}

export function splitSettings(ctx: AppContext) {
  return {
    splitter: ctx.config.get("TEXT_SPLITTER"),
    chunkSize: Number(ctx.config.get("CHUNK_SIZE")),
    chunkOverlap: Number(ctx.config.get("CHUNK_OVERLAP")),
    encoding: String(ctx.config.get("TIKTOKEN_ENCODING_NAME") || "cl100k_base"),
  };
}

export interface ProcessResult {
  status: true;
  collection_name: string | null;
  filename: string;
  content: string;
}

/**
 * Extracts (or takes `content`), stores the text in `file.data.content`, and embeds it into
 * `collectionName` (default `file-<id>`). The caller has already checked access to `file`.
 * On failure the file is marked failed and an HttpError 400 carries the reason.
 */
export async function processFile(
  ctx: AppContext,
  user: UserRow,
  file: FileModel,
  options: { content?: string | null; collectionName?: string | null } = {},
): Promise<ProcessResult> {
  try {
    return await runProcessFile(ctx, user, file, options);
  } catch (error) {
    const message = errorMessage(error);
    if (!(error instanceof HttpError)) ctx.log.warn(`processing file ${file.id} failed: ${message}`);
    await mergeFileData(ctx.db, file.id, { status: "failed", error: message }).catch(() => {});
    throw error instanceof HttpError ? error : new HttpError(400, message);
  } finally {
    retrieval(ctx).fileEvents.dispatchEvent(new Event(file.id));
  }
}

async function runProcessFile(
  ctx: AppContext,
  user: UserRow,
  file: FileModel,
  options: { content?: string | null; collectionName?: string | null },
): Promise<ProcessResult> {
  const { store, storage } = retrieval(ctx);
  const collection = options.collectionName || `file-${file.id}`;
  const fileMetadata = { name: file.filename, created_by: file.user_id, file_id: file.id, source: file.filename };
  let documents: LoadedDocument[];
  let text: string;

  if (options.content) {
    await store.deleteCollection(`file-${file.id}`);
    documents = [{ text: options.content.replaceAll("<br/>", "\n"), metadata: { ...(file.meta ?? {}), ...fileMetadata } }];
    text = options.content;
  } else if (options.collectionName) {
    const stored = await store.query(`file-${file.id}`, { file_id: file.id });
    text = String(file.data?.content ?? "");
    documents =
      stored.length > 0
        ? stored.map((chunk) => ({ text: chunk.text, metadata: chunk.metadata }))
        : [{ text, metadata: { ...(file.meta ?? {}), ...fileMetadata } }];
  } else if (file.path) {
    const blob = await storage.get(file.path);
    if (!blob) throw new IngestError("The uploaded file is missing from storage");
    const loaded = await loadDocuments(file.filename, file.meta?.content_type as string | undefined, new Uint8Array(await blob.arrayBuffer()), {
      engine: ctx.config.get("CONTENT_EXTRACTION_ENGINE"),
      tikaUrl: ctx.config.get("TIKA_SERVER_URL"),
      externalUrl: ctx.config.get("EXTERNAL_DOCUMENT_LOADER_URL"),
      externalKey: ctx.config.get("EXTERNAL_DOCUMENT_LOADER_API_KEY"),
    });
    documents = loaded.map((doc) => ({ text: doc.text, metadata: { ...flattenMetadata(doc.metadata), ...fileMetadata } }));
    text = documents.map((d) => d.text).join(" ");
  } else {
    text = String(file.data?.content ?? "");
    documents = [{ text, metadata: { ...(file.meta ?? {}), ...fileMetadata } }];
  }

  await mergeFileData(ctx.db, file.id, { content: text });
  const hash = sha256(text);
  await setFileHash(ctx.db, file.id, hash);

  if (ctx.config.get("BYPASS_EMBEDDING_AND_RETRIEVAL")) {
    await mergeFileData(ctx.db, file.id, { status: "completed", error: undefined });
    return { status: true, collection_name: null, filename: file.filename, content: text };
  }
  await saveDocuments(ctx, user, documents, collection, {
    metadata: { file_id: file.id, name: file.filename, hash },
    add: Boolean(options.collectionName),
  });
  await mergeFileMeta(ctx.db, file.id, { collection_name: collection });
  await mergeFileData(ctx.db, file.id, { status: "completed", error: undefined });
  return { status: true, collection_name: collection, filename: file.filename, content: text };
}

export function errorMessage(error: unknown): string {
  if (error instanceof HttpError) return typeof error.detail === "string" ? error.detail : JSON.stringify(error.detail);
  if (error instanceof IngestError || error instanceof UnsupportedFileError || error instanceof EmbeddingError || error instanceof SplitterError) {
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
