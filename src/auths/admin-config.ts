// Admin → Settings → General, and the LDAP settings: read and saved as PersistentConfig.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { badRequest } from "../core/errors";
import { JWT_EXPIRES_IN_PATTERN } from "../core/jwt";
import { ROLES } from "../users/repository";

const AdminConfigBody = t.Object({
  SHOW_ADMIN_DETAILS: t.Boolean(),
  WEBUI_URL: t.String(),
  ENABLE_SIGNUP: t.Boolean(),
  ENABLE_API_KEY: t.Boolean(),
  ENABLE_API_KEY_ENDPOINT_RESTRICTIONS: t.Boolean(),
  API_KEY_ALLOWED_ENDPOINTS: t.String(),
  DEFAULT_USER_ROLE: t.String(),
  JWT_EXPIRES_IN: t.String(),
  ENABLE_COMMUNITY_SHARING: t.Boolean(),
  ENABLE_MESSAGE_RATING: t.Boolean(),
  ENABLE_CHANNELS: t.Boolean(),
  ENABLE_NOTES: t.Boolean(),
  ENABLE_USER_WEBHOOKS: t.Boolean(),
  PENDING_USER_OVERLAY_TITLE: t.Optional(t.Nullable(t.String())),
  PENDING_USER_OVERLAY_CONTENT: t.Optional(t.Nullable(t.String())),
  RESPONSE_WATERMARK: t.Optional(t.Nullable(t.String())),
});

const LdapServerBody = t.Object({
  label: t.String(),
  host: t.String(),
  port: t.Optional(t.Nullable(t.Integer({ minimum: 1, maximum: 65535 }))),
  attribute_for_mail: t.String({ default: "mail" }),
  attribute_for_username: t.String({ default: "uid" }),
  app_dn: t.String(),
  app_dn_password: t.String(),
  search_base: t.String(),
  search_filters: t.String({ default: "" }),
  use_tls: t.Boolean({ default: true }),
  certificate_path: t.Optional(t.Nullable(t.String())),
  validate_cert: t.Boolean({ default: true }),
  ciphers: t.Optional(t.Nullable(t.String())),
});

export function adminConfigRoutes(ctx: AppContext) {
  const c = ctx.config;
  const general = () => ({
    SHOW_ADMIN_DETAILS: c.get("SHOW_ADMIN_DETAILS"),
    WEBUI_URL: c.get("WEBUI_URL"),
    ENABLE_SIGNUP: c.get("ENABLE_SIGNUP"),
    ENABLE_API_KEY: c.get("ENABLE_API_KEY"),
    ENABLE_API_KEY_ENDPOINT_RESTRICTIONS: c.get("ENABLE_API_KEY_ENDPOINT_RESTRICTIONS"),
    API_KEY_ALLOWED_ENDPOINTS: c.get("API_KEY_ALLOWED_ENDPOINTS"),
    DEFAULT_USER_ROLE: c.get("DEFAULT_USER_ROLE"),
    JWT_EXPIRES_IN: c.get("JWT_EXPIRES_IN"),
    ENABLE_COMMUNITY_SHARING: c.get("ENABLE_COMMUNITY_SHARING"),
    ENABLE_MESSAGE_RATING: c.get("ENABLE_MESSAGE_RATING"),
    ENABLE_CHANNELS: c.get("ENABLE_CHANNELS"),
    ENABLE_NOTES: c.get("ENABLE_NOTES"),
    ENABLE_USER_WEBHOOKS: c.get("ENABLE_USER_WEBHOOKS"),
    PENDING_USER_OVERLAY_TITLE: c.get("PENDING_USER_OVERLAY_TITLE"),
    PENDING_USER_OVERLAY_CONTENT: c.get("PENDING_USER_OVERLAY_CONTENT"),
    RESPONSE_WATERMARK: c.get("RESPONSE_WATERMARK"),
  });
  const ldapServer = () => ({
    label: c.get("LDAP_SERVER_LABEL"),
    host: c.get("LDAP_SERVER_HOST"),
    port: c.get("LDAP_SERVER_PORT"),
    attribute_for_mail: c.get("LDAP_ATTRIBUTE_FOR_MAIL"),
    attribute_for_username: c.get("LDAP_ATTRIBUTE_FOR_USERNAME"),
    app_dn: c.get("LDAP_APP_DN"),
    app_dn_password: c.get("LDAP_APP_PASSWORD"),
    search_base: c.get("LDAP_SEARCH_BASE"),
    search_filters: c.get("LDAP_SEARCH_FILTERS"),
    use_tls: c.get("LDAP_USE_TLS"),
    certificate_path: c.get("LDAP_CA_CERT_FILE"),
    validate_cert: c.get("LDAP_VALIDATE_CERT"),
    ciphers: c.get("LDAP_CIPHERS"),
  });

  return new Elysia({ name: "auths-admin-config" })
    .use(authGuard(ctx))
    .get("/admin/config", general, { auth: "admin", detail: { tags: ["auths"] } })
    .post(
      "/admin/config",
      async ({ body }) => {
        // As the reference: an unknown role or a malformed duration leaves the old value.
        await c.set({
          SHOW_ADMIN_DETAILS: body.SHOW_ADMIN_DETAILS,
          WEBUI_URL: body.WEBUI_URL,
          ENABLE_SIGNUP: body.ENABLE_SIGNUP,
          ENABLE_API_KEY: body.ENABLE_API_KEY,
          ENABLE_API_KEY_ENDPOINT_RESTRICTIONS: body.ENABLE_API_KEY_ENDPOINT_RESTRICTIONS,
          API_KEY_ALLOWED_ENDPOINTS: body.API_KEY_ALLOWED_ENDPOINTS,
          ENABLE_CHANNELS: body.ENABLE_CHANNELS,
          ENABLE_NOTES: body.ENABLE_NOTES,
          ...((ROLES as string[]).includes(body.DEFAULT_USER_ROLE) ? { DEFAULT_USER_ROLE: body.DEFAULT_USER_ROLE } : {}),
          ...(JWT_EXPIRES_IN_PATTERN.test(body.JWT_EXPIRES_IN) ? { JWT_EXPIRES_IN: body.JWT_EXPIRES_IN } : {}),
          ENABLE_COMMUNITY_SHARING: body.ENABLE_COMMUNITY_SHARING,
          ENABLE_MESSAGE_RATING: body.ENABLE_MESSAGE_RATING,
          ENABLE_USER_WEBHOOKS: body.ENABLE_USER_WEBHOOKS,
          PENDING_USER_OVERLAY_TITLE: body.PENDING_USER_OVERLAY_TITLE ?? "",
          PENDING_USER_OVERLAY_CONTENT: body.PENDING_USER_OVERLAY_CONTENT ?? "",
          RESPONSE_WATERMARK: body.RESPONSE_WATERMARK ?? "",
        });
        return general();
      },
      { auth: "admin", body: AdminConfigBody, detail: { tags: ["auths"] } },
    )
    .get("/admin/config/ldap/server", ldapServer, { auth: "admin", detail: { tags: ["auths"] } })
    .post(
      "/admin/config/ldap/server",
      async ({ body }) => {
        const required = ["label", "host", "attribute_for_mail", "attribute_for_username", "app_dn", "app_dn_password", "search_base"] as const;
        for (const key of required) if (!body[key]) throw badRequest(`Required field ${key} is empty`);
        await c.set({
          LDAP_SERVER_LABEL: body.label,
          LDAP_SERVER_HOST: body.host,
          LDAP_SERVER_PORT: body.port ?? null,
          LDAP_ATTRIBUTE_FOR_MAIL: body.attribute_for_mail,
          LDAP_ATTRIBUTE_FOR_USERNAME: body.attribute_for_username,
          LDAP_APP_DN: body.app_dn,
          LDAP_APP_PASSWORD: body.app_dn_password,
          LDAP_SEARCH_BASE: body.search_base,
          LDAP_SEARCH_FILTERS: body.search_filters,
          LDAP_USE_TLS: body.use_tls,
          LDAP_CA_CERT_FILE: body.certificate_path ?? null,
          LDAP_VALIDATE_CERT: body.validate_cert,
          LDAP_CIPHERS: body.ciphers ?? null,
        });
        return ldapServer();
      },
      { auth: "admin", body: LdapServerBody, detail: { tags: ["auths"] } },
    )
    .get("/admin/config/ldap", () => ({ ENABLE_LDAP: c.get("ENABLE_LDAP") }), { auth: "admin", detail: { tags: ["auths"] } })
    .post(
      "/admin/config/ldap",
      async ({ body }) => {
        await c.set({ ENABLE_LDAP: body.enable_ldap ?? false });
        return { ENABLE_LDAP: c.get("ENABLE_LDAP") };
      },
      { auth: "admin", body: t.Object({ enable_ldap: t.Optional(t.Nullable(t.Boolean())) }), detail: { tags: ["auths"] } },
    );
}
