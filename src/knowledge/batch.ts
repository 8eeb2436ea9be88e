// Adding several already-processed files to a collection in one embedding pass (Open WebUI's
// process_files_batch). Content is taken from the stored rows, never from the request.
import type { AppContext } from "../context";
import { mergeFileMeta, type FileModel } from "../files/repository";
import { errorMessage, saveDocuments } from "../retrieval/ingest";
import type { UserRow } from "../users/repository";
import { editFileIds } from "./repository";

export interface BatchResult {
  file_id: string;
  status: string;
  error?: string | null;
}

export async function processFilesBatch(
  ctx: AppContext,
  user: UserRow,
  collection: string,
  files: FileModel[],
): Promise<{ results: BatchResult[]; errors: BatchResult[] }> {
  const results: BatchResult[] = [];
  const errors: BatchResult[] = [];
  const documents = files.map((file) => ({
    text: String(file.data?.content ?? "").replaceAll("<br/>", "\n"),
    metadata: { ...(file.meta ?? {}), name: file.filename, created_by: file.user_id, file_id: file.id, source: file.filename },
  }));
  for (const file of files) results.push({ file_id: file.id, status: "prepared", error: null });
  if (documents.length === 0) return { results, errors };
  try {
    await saveDocuments(ctx, user, documents, collection, { add: true });
    for (const result of results) {
      await mergeFileMeta(ctx.db, result.file_id, { collection_name: collection });
      result.status = "completed";
    }
  } catch (error) {
    for (const result of results) {
      result.status = "failed";
      errors.push({ file_id: result.file_id, status: "failed", error: errorMessage(error) });
    }
  }
  return { results, errors };
}

/** The knowledge-base variant: successful files join `data.file_ids`. */
export async function addFilesInBatch(ctx: AppContext, user: UserRow, knowledgeId: string, files: FileModel[]) {
  const outcome = await processFilesBatch(ctx, user, knowledgeId, files);
  const done = outcome.results.filter((r) => r.status === "completed").map((r) => r.file_id);
  await editFileIds(ctx.db, knowledgeId, (ids) => [...ids, ...done.filter((id) => !ids.includes(id))]);
  return outcome;
}
