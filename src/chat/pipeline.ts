// The part of process_chat_payload this backend runs before calling the model: the request's
// `params` become body keys, {{VARIABLES}} in the system prompt are filled, a project folder's
// system prompt is added, and Open WebUI's own keys are taken out of the body.
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context";
import type { TemplateUser } from "../tasks/prompt";
import type { ChatStore } from "./ports";
import { applyChatParams, applySystemPrompt, firstSystemMessage, isRecord, type Json } from "./payload";

export interface ChatMetadata extends Json {
  user_id: string;
  chat_id: string | null;
  message_id: string | null;
  session_id: string | null;
  variables: unknown;
  params: { stream_delta_chunk_size: unknown; reasoning_tags: unknown; function_calling: string };
}

async function folderSystemPrompt(ctx: AppContext, folderId: string, userId: string): Promise<string | null> {
  const { folder } = ctx.db.t;
  const [row] = await ctx.db.read
    .select({ data: folder.data })
    .from(folder)
    .where(and(eq(folder.id, folderId), eq(folder.user_id, userId)))
    .limit(1);
  const data = row?.data;
  return isRecord(data) && typeof data.system_prompt === "string" ? data.system_prompt : null;
}

/** Returns the body to send upstream (form is modified in place, as the reference does). */
export async function prepareForm(
  ctx: AppContext,
  form: Json,
  user: TemplateUser & { id: string },
  metadata: ChatMetadata,
  model: Json,
  chats: ChatStore | null,
): Promise<Json> {
  applyChatParams(form, model.owned_by);
  const system = firstSystemMessage(form.messages);
  if (system && typeof system.content === "string") applySystemPrompt(system.content, form, metadata.variables, user);

  if (metadata.chat_id && metadata.chat_id !== "local" && chats) {
    const chat = await chats.findOwned(metadata.chat_id, user.id);
    if (chat?.folderId) {
      const prompt = await folderSystemPrompt(ctx, chat.folderId, user.id);
      if (prompt) applySystemPrompt(prompt, form, metadata.variables, user);
    }
  }

  for (const key of ["variables", "features", "tool_ids", "files"]) delete form[key];
  return form;
}
