// Sign-out after an OIDC sign-in: the provider's end_session_endpoint with the ID token as hint,
// found from the `oauth_session_id` cookie, so the frontend can end the provider's session too.
import { eq } from "drizzle-orm";
import type { AppContext } from "../context";
import { readCookie } from "../core/auth";
import { Fernet } from "../core/fernet";
import { discover } from "./flow";
import { oauthSettings } from "./routes";

/** The provider's logout URL for this browser's OAuth session, if it has one. */
export async function providerSignoutUrl(ctx: AppContext, request: Request): Promise<string | undefined> {
  const sessionId = readCookie(request, "oauth_session_id");
  if (!sessionId) return undefined;
  const settings = oauthSettings(ctx);
  const { oauth_session } = ctx.db.t;
  const [row] = await ctx.db.read.select().from(oauth_session).where(eq(oauth_session.id, sessionId)).limit(1);
  // The id_token goes only to the session's own user (Python hands it to any holder of the id).
  const caller = await Promise.resolve()
    .then(() => ctx.auth.authenticate(request, "optional"))
    .catch(() => null);
  if (!row || row.user_id !== caller?.id) return undefined;
  const configured = settings.providers.get(row.provider);
  const metadataUrl = configured?.metadataUrl ?? ctx.env.raw.OPENID_PROVIDER_URL;
  if (!metadataUrl) return undefined;
  try {
    const token = JSON.parse(new Fernet(settings.sessionTokenKey).decrypt(row.token)) as Record<string, unknown>;
    const server = await discover(metadataUrl, configured?.timeoutMs ?? 30_000);
    const endpoint = server.end_session_endpoint;
    if (typeof endpoint !== "string" || !endpoint) return undefined;
    const after = ctx.env.raw.WEBUI_AUTH_SIGNOUT_REDIRECT_URL;
    return `${endpoint}?id_token_hint=${token.id_token}${after ? `&post_logout_redirect_uri=${after}` : ""}`;
  } catch (error) {
    ctx.log.warn("OpenID sign-out URL not found", error instanceof Error ? error.message : error);
    return undefined;
  }
}
