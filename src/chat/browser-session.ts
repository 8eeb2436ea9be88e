// Direct connections, the user's own tool servers and the code interpreter ask a browser tab to
// do the work. Only a tab of the requesting user may be asked: another user's tab would answer
// with that user's own endpoints, keys and data.
import type { AppContext } from "../context";

export async function isUsersSession(ctx: AppContext, userId: unknown, sessionId: unknown): Promise<boolean> {
  if (typeof sessionId !== "string" || !sessionId || typeof userId !== "string") return false;
  return (await ctx.usage.sessionUserId(sessionId)) === userId;
}
