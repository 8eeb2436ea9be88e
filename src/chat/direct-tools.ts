// The user's own tool servers (Settings → External Tools): the browser fetches their specs and
// sends them with the message as `tool_servers` ([{url, openapi, info, specs}]). Their tools are
// offered like the admin's, but only the browser can reach the servers, so a call asks the
// session that sent the message to run it (`execute:tool`); the browser answers
// `[data, headers]`, or `[{error}, null]` / `{error}` when it could not.
import { isUsersSession } from "./browser-session";
import type { AppContext } from "../context";
import { callerOf, permitted } from "../core/caller";
import type { ToolServerAnswer } from "../tools/execute";
import type { ToolSpec } from "../tools/openapi";
import type { UserRow } from "../users/repository";
import { isRecord, type Json } from "./payload";
import type { ChatTool, ChatTools } from "./tools";

/** socketio's default wait for an acknowledgement, which the reference keeps. */
const CALL_TIMEOUT_MS = 60_000;

interface CallTarget {
  sessionId: string;
  chatId: unknown;
  messageId: unknown;
}

/** The specs a server entry lists that can be offered to a model. */
function offeredSpecs(server: Json): ToolSpec[] {
  const specs = Array.isArray(server.specs) ? server.specs : [];
  return specs.filter((spec): spec is ToolSpec => isRecord(spec) && typeof spec.name === "string" && spec.name !== "");
}

/** The browser's answer as a tool server's: `[data, headers]` unpacked, anything else is the data. */
export function browserAnswer(answer: unknown): ToolServerAnswer {
  if (!Array.isArray(answer) || answer.length !== 2) return { data: answer ?? null, headers: null };
  const [data, headers] = answer;
  let parsed: Headers | null = null;
  if (isRecord(headers)) {
    try {
      parsed = new Headers(Object.entries(headers).map(([key, value]) => [key, String(value)]));
    } catch {
      parsed = null;
    }
  }
  return { data: data ?? null, headers: parsed };
}

function callThroughBrowser(ctx: AppContext, target: CallTarget, server: Json, name: string) {
  return async (params: Json): Promise<ToolServerAnswer> => {
    const request = {
      chat_id: target.chatId ?? null,
      message_id: target.messageId ?? null,
      data: {
        type: "execute:tool",
        data: { id: crypto.randomUUID(), name, params, server, session_id: target.sessionId },
      },
    };
    try {
      return browserAnswer(await ctx.emit.call(target.sessionId, "chat-events", request, CALL_TIMEOUT_MS));
    } catch {
      return { data: { error: "The browser did not run the tool in time" }, headers: null };
    }
  };
}

/** Whether the user may use their own tool servers (admins always may). */
async function mayUseDirectServers(ctx: AppContext, user: UserRow): Promise<boolean> {
  if (user.role === "admin") return true;
  return permitted(await callerOf(ctx, user), "features.direct_tool_servers");
}

/**
 * Adds the tools of the request's `tool_servers` to `tools`; a name already taken is replaced, as
 * in the reference. Nothing is added without the permission, or when the session the calls would
 * go to is not one of this user's.
 */
export async function addDirectTools(ctx: AppContext, tools: ChatTools, servers: unknown, user: UserRow, metadata: Json): Promise<void> {
  const list = Array.isArray(servers) ? servers.filter(isRecord) : [];
  if (!list.some((server) => offeredSpecs(server).length > 0)) return;
  if (!(await mayUseDirectServers(ctx, user))) return;
  const sessionId = typeof metadata.session_id === "string" ? metadata.session_id : "";
  if (!(await isUsersSession(ctx, user.id, sessionId))) {
    ctx.log.warn("direct tool servers need a socket session of the user; they are left out");
    return;
  }
  const target = { sessionId, chatId: metadata.chat_id, messageId: metadata.message_id };
  for (const entry of list) {
    const { specs: _, ...server } = entry;
    for (const spec of offeredSpecs(entry)) {
      const tool: ChatTool = { toolId: "", spec, type: "direct", call: callThroughBrowser(ctx, target, server, spec.name) };
      tools.set(spec.name, tool);
    }
  }
}
