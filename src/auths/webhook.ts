// WEBHOOK_URL (an admin setting): a message when someone signs up, in the layout the receiving
// service expects (Slack, Discord, or a plain JSON event). Fire and forget, with a timeout.
import type { AppContext } from "../context";
import type { UserRow } from "../users/repository";
import { toUserBrief } from "../users/views";

export function notifySignup(ctx: AppContext, user: UserRow): void {
  const url = ctx.config.get("WEBHOOK_URL");
  if (!url) return;
  const message = `New user signed up: ${user.name}`;
  const body = url.includes("hooks.slack.com")
    ? { text: message }
    : url.includes("discord.com/api/webhooks")
      ? { content: message }
      : { action: "signup", message, user: toUserBrief(user) };
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
    redirect: "manual",
  }).catch((error) => ctx.log.warn("sign-up webhook failed", error instanceof Error ? error.message : error));
}
