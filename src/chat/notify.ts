// A finished reply for a user who has no open socket goes to the webhook in their settings
// (settings.ui.notifications.webhook_url), in the layout the receiving service expects.
import type { AppContext } from "../context";
import type { UserRow } from "../users/repository";
import { isRecord } from "./payload";

function webhookOf(user: UserRow): string | null {
  const settings = user.settings;
  const ui = isRecord(settings) && isRecord(settings.ui) ? settings.ui : null;
  const notifications = ui && isRecord(ui.notifications) ? ui.notifications : null;
  const url = notifications?.webhook_url;
  return typeof url === "string" && url ? url : null;
}

/** Whether the user has an open socket (on any instance). */
async function isActive(ctx: AppContext, userId: string): Promise<boolean> {
  return ctx.usage.isUserActive(userId).catch(() => true);
}

export async function notifyUserWebhook(ctx: AppContext, user: UserRow, chatId: string, title: string | null, content: string): Promise<void> {
  if (await isActive(ctx, user.id)) return;
  const url = webhookOf(user);
  if (!url || url.includes("webhook.office.com")) return;
  const link = `${ctx.config.get("WEBUI_URL")}/c/${chatId}`;
  const message = `${title} - ${link}\n\n${content}`;
  const body =
    url.includes("https://hooks.slack.com") || url.includes("https://chat.googleapis.com")
      ? { text: message }
      : url.includes("https://discord.com/api/webhooks")
        ? { content: message.length < 2000 ? message : `${message.slice(0, 1980)}... (truncated)` }
        : { action: "chat", message: content, title, url: link };
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).catch((error) => ctx.log.warn("chat webhook failed", error instanceof Error ? error.message : error));
}
