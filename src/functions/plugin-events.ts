// __event_emitter__ and __event_call__ for plugin code, bound to one message of one chat
// (get_event_emitter / get_event_call of the reference): events go to the user's sockets as
// `chat-events` and those Open WebUI keeps (status, content, embeds, files, sources) are written
// into the message; a call is asked of the browser session that sent the message.
import type { AppContext } from "../context";
import { isUsersSession } from "../chat/browser-session";
import { changeForEvent } from "../chats/routes";
import { changeChatMessage } from "../chats/repository";
import type { PluginEvents } from "./python/runtime";
import type { ChatEmitter } from "../chat/ports";
import { isRecord, type Json } from "../chat/payload";

export interface MessageTarget {
  user_id: string;
  chat_id?: unknown;
  message_id?: unknown;
  session_id?: unknown;
}

/** The events of a chat message, or undefined when the request has no chat, message and session. */
export function pluginEvents(ctx: AppContext, target: MessageTarget, emitter: ChatEmitter = ctx.emit): PluginEvents | undefined {
  const { user_id: userId, chat_id: chatId, message_id: messageId, session_id: sessionId } = target;
  if (typeof chatId !== "string" || typeof messageId !== "string" || typeof sessionId !== "string" || !chatId || !messageId || !sessionId) return undefined;
  const envelope = (event: unknown) => ({ chat_id: chatId, message_id: messageId, data: event });
  return {
    async emit(event) {
      emitter.toUser(userId, "chat-events", envelope(event));
      if (!isRecord(event) || typeof event.type !== "string" || chatId === "local") return;
      const change = changeForEvent({ type: event.type, data: isRecord(event.data) ? event.data : {} });
      if (change) await changeChatMessage(ctx.db, { chatId, userId, messageId }, change);
    },
    async ask(event) {
      // A session of another user is never asked, whatever the request claimed.
      if (!(await isUsersSession(ctx, userId, sessionId))) return null;
      return ctx.emit.call(sessionId, "chat-events", envelope(event)).catch(() => null);
    },
  };
}
