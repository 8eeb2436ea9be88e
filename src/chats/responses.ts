// ChatResponse bodies built around the stored document text: a chat is sent without parsing
// and re-serializing its document, and exports are streamed in batches.
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { objectText, publicMeta } from "./chat-json";
import { loadChats, type ChatHead, type ChatWithText } from "./repository";

const JSON_HEADERS = { "content-type": "application/json" };
const EXPORT_BATCH = 20;

/** One ChatResponse, fields in Open WebUI's order, the document spliced in as stored. */
export function chatResponseText(head: ChatHead, text: string | null): string {
  const s = JSON.stringify;
  return (
    `{"id":${s(head.id)},"user_id":${s(head.user_id)},"title":${s(head.title)},"chat":${objectText(text)},` +
    `"updated_at":${head.updated_at},"created_at":${head.created_at},"share_id":${s(head.share_id)},` +
    `"archived":${head.archived},"pinned":${s(head.pinned)},"meta":${s(publicMeta(head.meta))},"folder_id":${s(head.folder_id)}}`
  );
}

export function chatResponse(chat: ChatWithText): Response {
  return new Response(chatResponseText(chat.head, chat.text), { headers: JSON_HEADERS });
}

export function jsonResponse(text: string, status = 200): Response {
  return new Response(text, { status, headers: JSON_HEADERS });
}

/**
 * A JSON array of ChatResponses for `ids`, loaded EXPORT_BATCH at a time while the client reads,
 * so exporting thousands of large chats needs neither the whole export in memory nor one long
 * stall. Chats deleted meanwhile are skipped.
 */
export function streamChats(db: Db, ids: string[], scope: SQL | undefined): Response {
  const encoder = new TextEncoder();
  let next = 0;
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next === 0 && first && ids.length === 0) {
        controller.enqueue(encoder.encode("[]"));
        controller.close();
        return;
      }
      if (next >= ids.length) {
        controller.enqueue(encoder.encode("]"));
        controller.close();
        return;
      }
      const batch = ids.slice(next, next + EXPORT_BATCH);
      const start = next === 0 ? "[" : "";
      next += batch.length;
      const chats = await loadChats(db, batch, scope);
      const parts: string[] = [];
      for (const id of batch) {
        const chat = chats.get(id);
        if (!chat) continue;
        parts.push((first ? "" : ",") + chatResponseText(chat.head, chat.text));
        first = false;
      }
      controller.enqueue(encoder.encode(start + parts.join("")));
    },
  });
  return new Response(stream, { headers: JSON_HEADERS });
}
