// Routes Open WebUI defines directly in main.py that belong to the foundation.
import { Elysia, t } from "elysia";
import { authGuard } from "../core/auth";
import { jsonText, notFound } from "../core/errors";
import type { AppContext } from "../context";
import { ping } from "../db/client";
import { appConfigJson } from "./app-config";
import { CHANGELOG } from "./changelog";
import { cacheDir } from "../core/env";
import { fileInside, serveStatic } from "./static";
import { DEFAULT_RELEASES_URL, ReleaseChecker, updateCheckEnabled } from "./updates";
import { VERSION } from "./version";

export function systemRoutes(ctx: AppContext) {
  const checkUpdates = updateCheckEnabled(ctx.env.raw);
  const releases = new ReleaseChecker({ url: ctx.env.raw.VERSION_UPDATE_CHECK_URL || DEFAULT_RELEASES_URL, log: ctx.log });
  return new Elysia({ name: "system" })
    .use(authGuard(ctx))
    .get("/health", () => ({ status: true }), { detail: { tags: ["system"] } })
    .get(
      "/health/db",
      async () => {
        await ping(ctx.db);
        return { status: true };
      },
      { detail: { tags: ["system"] } },
    )
    .get("/api/version", () => ({ version: VERSION }), { detail: { tags: ["system"] } })
    .get(
      "/api/version/updates",
      async () => ({ current: VERSION, latest: checkUpdates ? await releases.latestVersion() : VERSION }),
      { auth: "verified", detail: { tags: ["system"] } },
    )
    .get("/api/changelog", () => CHANGELOG, { detail: { tags: ["system"] } })
    .get(
      "/api/config",
      ({ user }) => jsonText(appConfigJson(ctx, user)),
      { optionalAuth: true, detail: { tags: ["system"] } },
    )
    // The admin's sign-up webhook (Admin → Settings → General), read by auths/webhook.ts.
    .get("/api/webhook", () => ({ url: ctx.config.get("WEBHOOK_URL") }), { auth: "admin", detail: { tags: ["system"] } })
    .post(
      "/api/webhook",
      async ({ body }) => {
        await ctx.config.set({ WEBHOOK_URL: body.url });
        return { url: ctx.config.get("WEBHOOK_URL") };
      },
      { auth: "admin", body: t.Object({ url: t.String() }), detail: { tags: ["system"] } },
    )
    .get("/manifest.json", () => manifest(ctx), { detail: { tags: ["system"] } })
    .get("/opensearch.xml", () => opensearch(ctx), { detail: { tags: ["system"] } })
    .get(
      "/cache/*",
      ({ params }) => {
        const file = fileInside(cacheDir(ctx.env), params["*"]);
        if (!file) throw notFound("File not found");
        return new Response(Bun.file(file));
      },
      { auth: "verified", detail: { tags: ["system"] } },
    )
    .get(
      "/static/*",
      ({ params }) => {
        const response = serveStatic(ctx.env, params["*"]);
        if (!response) throw notFound("Not Found");
        return response;
      },
      { detail: { tags: ["system"] } },
    );
}

function manifest(ctx: AppContext) {
  const name = ctx.env.webuiName;
  const icon = (purpose: string) => ({ src: "/static/logo.png", type: "image/png", sizes: "500x500", purpose });
  return {
    name,
    short_name: name,
    description: `${name} is an open, extensible, user-friendly interface for AI that adapts to your workflow.`,
    start_url: "/",
    display: "standalone",
    background_color: "#343541",
    icons: [icon("any"), icon("maskable")],
  };
}

function opensearch(ctx: AppContext): Response {
  const name = escapeXml(ctx.env.webuiName);
  const url = escapeXml(ctx.config.get("WEBUI_URL"));
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">
<ShortName>${name}</ShortName>
<Description>Search ${name}</Description>
<InputEncoding>UTF-8</InputEncoding>
<Image width="16" height="16" type="image/x-icon">${url}/static/favicon.png</Image>
<Url type="text/html" method="get" template="${url}/?q={searchTerms}"/>
<moz:SearchForm>${url}</moz:SearchForm>
</OpenSearchDescription>
`;
  return new Response(xml, { headers: { "content-type": "application/xml" } });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
