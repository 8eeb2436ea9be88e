// ChatResponse bodies built around the stored document text: a chat is sent without parsing
// and re-serializing its document.
import { objectText, publicMeta } from "./chat-json";
import type { ChatHead } from "./repository";

/** One ChatResponse, fields in Open WebUI's order, the document spliced in as stored. */
export function chatResponseText(head: ChatHead, text: string | null): string {
  const s = JSON.stringify;
  return (
    `{"id":${s(head.id)},"user_id":${s(head.user_id)},"title":${s(head.title)},"chat":${objectText(text)},` +
    `"updated_at":${head.updated_at},"created_at":${head.created_at},"share_id":${s(head.share_id)},` +
    `"archived":${head.archived},"pinned":${s(head.pinned)},"meta":${s(publicMeta(head.meta))},"folder_id":${s(head.folder_id)}}`
  );
}
