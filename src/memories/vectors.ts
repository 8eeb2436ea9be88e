// Each user's memories are also kept in the vector collection `user-memory-<user id>`, as Open
// WebUI keeps them, so they can be searched by meaning (or, with no usable embedding engine, by
// their words). The rows stay the truth: a failed index write is logged, and POST /reset
// rebuilds the collection from the rows.
import type { AppContext } from "../context";
import { resolveEmbedder, type EmbedPurpose } from "../retrieval/embeddings";
import { retrieval } from "../retrieval/services";
import type { UserRow } from "../users/repository";
import type { MemoryRow } from "./repository";

export const memoryCollection = (userId: string) => `user-memory-${userId}`;

/** The memories' vectors, or nulls (full-text only) when no engine is usable or it fails. */
async function embedAll(ctx: AppContext, user: UserRow, texts: string[], purpose: EmbedPurpose): Promise<(number[] | null)[]> {
  const embedder = await resolveEmbedder(ctx);
  if (!embedder || texts.length === 0) return texts.map(() => null);
  try {
    return await embedder.embed(texts, purpose, user);
  } catch (error) {
    ctx.log.warn(`embedding memories failed, keeping them for full-text search: ${(error as Error).message}`);
    return texts.map(() => null);
  }
}

/** Writes (or rewrites) these memories into the user's collection. */
export async function indexMemories(ctx: AppContext, user: UserRow, rows: MemoryRow[], withUpdatedAt: boolean): Promise<void> {
  if (rows.length === 0) return;
  const vectors = await embedAll(ctx, user, rows.map((r) => r.content), "document");
  await retrieval(ctx).store.upsert(
    memoryCollection(user.id),
    rows.map((row, i) => ({
      id: row.id,
      text: row.content,
      vector: vectors[i] ?? null,
      metadata: withUpdatedAt ? { created_at: row.created_at, updated_at: row.updated_at } : { created_at: row.created_at },
    })),
  );
}

/** Index upkeep after a row change: failures are logged, never turned into a failed request. */
export async function keepIndex(ctx: AppContext, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    ctx.log.error(`memory index: ${what} failed (POST /api/v1/memories/reset rebuilds it)`, error);
  }
}

export async function unindexMemory(ctx: AppContext, userId: string, id: string): Promise<void> {
  await retrieval(ctx).store.delete(memoryCollection(userId), { ids: [id] });
}

export async function memoryIndexExists(ctx: AppContext, userId: string): Promise<boolean> {
  return retrieval(ctx).store.hasCollection(memoryCollection(userId));
}

export async function dropMemoryIndex(ctx: AppContext, userId: string): Promise<void> {
  await retrieval(ctx).store.deleteCollection(memoryCollection(userId));
}

/** The `k` memories nearest the text, in the reference's SearchResult layout (lists of lists). */
export async function searchMemories(ctx: AppContext, user: UserRow, content: string, k: number) {
  const { store } = retrieval(ctx);
  const collection = memoryCollection(user.id);
  const [vector] = await embedAll(ctx, user, [content], "query");
  const hits = vector ? await store.search(collection, vector, k) : await store.textSearch(collection, content, k);
  return {
    ids: [hits.map((h) => h.id)],
    documents: [hits.map((h) => h.text)],
    metadatas: [hits.map((h) => h.metadata)],
    distances: [hits.map((h) => h.score)],
  };
}

/**
 * chat_memory_handler: the three memories nearest the question as the "User Context" list
 * appended to the system message (empty when the user has none or the search fails).
 */
export async function userContext(ctx: AppContext, user: UserRow, question: string): Promise<string> {
  try {
    if (!(await memoryIndexExists(ctx, user.id))) return "User Context:\n\n";
    const found = await searchMemories(ctx, user, question, 3);
    const lines = (found.documents[0] ?? []).map((text, i) => `${i + 1}. [${memoryDate(found.metadatas[0]?.[i]?.created_at)}] ${text}\n`);
    return `User Context:\n${lines.join("")}\n`;
  } catch (error) {
    ctx.log.debug("memory search for a chat failed", error);
    return "User Context:\n\n";
  }
}

/** The memory's creation day in the server's time zone, as Python's time.localtime gives it. */
function memoryDate(createdAt: unknown): string {
  if (typeof createdAt !== "number" || !createdAt) return "Unknown Date";
  const day = new Date(createdAt * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}
