// GET /api/config: what the frontend bootstraps from. Its shape depends on who asks
// (anonymous, pending, user, admin), as in Open WebUI's main.py.
import type { AppContext } from "../context";
import type { UserRow } from "../users/repository";
import { countUsers } from "../users/repository";
import { providerNames } from "../oauth/providers";
import { oauthSettings } from "../oauth/routes";
import { updateCheckEnabled } from "./updates";
import { VERSION } from "./version";

/**
 * The answer as JSON text. It depends only on the caller's role, the user count, the environment
 * and the stored settings, so the text is kept per (role, count) and dropped whenever a setting
 * changes: serializing it was a third of the cost of a signed-in call. Whatever else the body
 * comes to depend on must join the key, or the cache must go.
 */
export function appConfigJson(ctx: AppContext, user: UserRow | null): string | Promise<string> {
  // Synchronous when the count is known: most calls need no await at all.
  const count = knownUserCount(ctx, user);
  return typeof count === "number" ? configText(ctx, user, count) : count.then((n) => configText(ctx, user, n));
}

function configText(ctx: AppContext, user: UserRow | null, userCount: number): string {
  const texts = cachedTexts(ctx);
  const key = `${user?.role ?? ""}:${userCount}`;
  let text = texts.get(key);
  if (text === undefined) {
    text = JSON.stringify(appConfigBody(ctx, user, userCount));
    if (texts.size >= 16) texts.clear();
    texts.set(key, text);
  }
  return text;
}

const textsByContext = new WeakMap<AppContext, Map<string, string>>();

function cachedTexts(ctx: AppContext): Map<string, string> {
  let texts = textsByContext.get(ctx);
  if (!texts) {
    const created = new Map<string, string>();
    ctx.config.onChange(() => created.clear());
    textsByContext.set(ctx, created);
    texts = created;
  }
  return texts;
}

export async function buildAppConfig(ctx: AppContext, user: UserRow | null) {
  return appConfigBody(ctx, user, await knownUserCount(ctx, user));
}

function appConfigBody(ctx: AppContext, user: UserRow | null, userCount: number) {
  const { config, env } = ctx;
  const verified = user !== null && (user.role === "admin" || user.role === "user");
  const onedrive = config.get("ENABLE_ONEDRIVE_INTEGRATION");
  const raw = env.raw;
  return {
    ...(user === null && userCount === 0 ? { onboarding: true } : {}),
    status: true,
    name: env.webuiName,
    version: VERSION,
    default_locale: config.get("DEFAULT_LOCALE"),
    oauth: { providers: providerNames(oauthSettings(ctx)) },
    features: {
      auth: env.webuiAuth,
      auth_trusted_header: Boolean(env.trustedEmailHeader),
      enable_signup_password_confirmation: raw.ENABLE_SIGNUP_PASSWORD_CONFIRMATION?.toLowerCase() === "true",
      enable_ldap: config.get("ENABLE_LDAP"),
      enable_api_key: config.get("ENABLE_API_KEY"),
      enable_signup: config.get("ENABLE_SIGNUP"),
      enable_login_form: config.get("ENABLE_LOGIN_FORM"),
      enable_websocket: (raw.ENABLE_WEBSOCKET_SUPPORT ?? "true").toLowerCase() === "true",
      enable_version_update_check: updateCheckEnabled(raw),
      ...(user !== null
        ? {
            enable_direct_connections: config.get("ENABLE_DIRECT_CONNECTIONS"),
            enable_channels: config.get("ENABLE_CHANNELS"),
            enable_notes: config.get("ENABLE_NOTES"),
            enable_web_search: config.get("ENABLE_WEB_SEARCH"),
            enable_code_execution: config.get("ENABLE_CODE_EXECUTION"),
            enable_code_interpreter: config.get("ENABLE_CODE_INTERPRETER"),
            enable_image_generation: config.get("ENABLE_IMAGE_GENERATION"),
            enable_autocomplete_generation: config.get("ENABLE_AUTOCOMPLETE_GENERATION"),
            enable_community_sharing: config.get("ENABLE_COMMUNITY_SHARING"),
            enable_message_rating: config.get("ENABLE_MESSAGE_RATING"),
            enable_user_webhooks: config.get("ENABLE_USER_WEBHOOKS"),
            enable_admin_export: (raw.ENABLE_ADMIN_EXPORT ?? "true").toLowerCase() === "true",
            enable_admin_chat_access: (raw.ENABLE_ADMIN_CHAT_ACCESS ?? "true").toLowerCase() === "true",
            enable_google_drive_integration: config.get("ENABLE_GOOGLE_DRIVE_INTEGRATION"),
            enable_onedrive_integration: onedrive,
            ...(onedrive
              ? {
                  enable_onedrive_personal: Boolean(raw.ONEDRIVE_CLIENT_ID_PERSONAL ?? raw.ONEDRIVE_CLIENT_ID),
                  enable_onedrive_business: Boolean(raw.ONEDRIVE_CLIENT_ID_BUSINESS ?? raw.ONEDRIVE_CLIENT_ID),
                }
              : {}),
          }
        : {}),
    },
    ...(verified ? verifiedPart(ctx, user, userCount) : pendingPart(ctx, user)),
  };
}

function verifiedPart(ctx: AppContext, user: UserRow, userCount: number) {
  const { config, env } = ctx;
  return {
    default_models: config.get("DEFAULT_MODELS"),
    default_prompt_suggestions: config.get("DEFAULT_PROMPT_SUGGESTIONS"),
    user_count: userCount,
    code: { engine: config.get("CODE_EXECUTION_ENGINE") },
    audio: {
      tts: { engine: config.get("TTS_ENGINE"), voice: config.get("TTS_VOICE"), split_on: config.get("TTS_SPLIT_ON") },
      stt: { engine: config.get("STT_ENGINE") },
    },
    file: {
      max_size: config.get("FILE_MAX_SIZE"),
      max_count: config.get("FILE_MAX_COUNT"),
      image_compression: {
        width: config.get("FILE_IMAGE_COMPRESSION_WIDTH"),
        height: config.get("FILE_IMAGE_COMPRESSION_HEIGHT"),
      },
    },
    permissions: { ...config.get("USER_PERMISSIONS") },
    google_drive: { client_id: config.get("GOOGLE_DRIVE_CLIENT_ID"), api_key: config.get("GOOGLE_DRIVE_API_KEY") },
    onedrive: {
      client_id_personal: env.raw.ONEDRIVE_CLIENT_ID_PERSONAL ?? env.raw.ONEDRIVE_CLIENT_ID ?? "",
      client_id_business: env.raw.ONEDRIVE_CLIENT_ID_BUSINESS ?? env.raw.ONEDRIVE_CLIENT_ID ?? "",
      sharepoint_url: config.get("ONEDRIVE_SHAREPOINT_URL"),
      sharepoint_tenant_id: config.get("ONEDRIVE_SHAREPOINT_TENANT_ID"),
    },
    ui: {
      pending_user_overlay_title: config.get("PENDING_USER_OVERLAY_TITLE"),
      pending_user_overlay_content: config.get("PENDING_USER_OVERLAY_CONTENT"),
      response_watermark: config.get("RESPONSE_WATERMARK"),
    },
    license_metadata: null,
    ...(user.role === "admin" ? { active_entries: null } : {}),
  };
}

function pendingPart(ctx: AppContext, user: UserRow | null) {
  if (user?.role !== "pending") return {};
  return {
    ui: {
      pending_user_overlay_title: ctx.config.get("PENDING_USER_OVERLAY_TITLE"),
      pending_user_overlay_content: ctx.config.get("PENDING_USER_OVERLAY_CONTENT"),
    },
  };
}

/**
 * Signed-in callers get `user_count`, which the frontend uses only for its licence-seat banner;
 * counting it at most once a second keeps a database read off nearly every signed-in page load.
 */
const USER_COUNT_MAX_AGE_MS = 1_000;
const signedInCounts = new WeakMap<AppContext, { n: number; at: number }>();

/**
 * Anonymous callers only need to know whether any account exists; once one does, that stays
 * true, so for them the count is read only on a fresh install (and is then always exact).
 */
function knownUserCount(ctx: AppContext, user: UserRow | null): number | Promise<number> {
  if (user === null && ctx.hasUsers) return 1;
  const recent = user === null ? undefined : signedInCounts.get(ctx);
  if (recent && Date.now() - recent.at < USER_COUNT_MAX_AGE_MS) return recent.n;
  return countAndRemember(ctx, user);
}

async function countAndRemember(ctx: AppContext, user: UserRow | null): Promise<number> {
  const now = Date.now();
  const n = await countUsers(ctx.db);
  if (n > 0) ctx.hasUsers = true;
  if (user !== null) signedInCounts.set(ctx, { n, at: now });
  return n;
}
