// Every route's auth level: anonymous, pending, user and admin callers, with the reference's
// status codes (401 for a missing or too-low role).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./support/app";
import { addUser, signUp, type Account } from "./support/accounts";

type Level = "public" | "any" | "verified" | "admin";
const ROUTES: [string, string, Level][] = [
  ["GET", "/health", "public"],
  ["GET", "/health/db", "public"],
  ["GET", "/api/version", "public"],
  ["GET", "/api/changelog", "public"],
  ["GET", "/api/config", "public"],
  ["GET", "/manifest.json", "public"],
  ["GET", "/opensearch.xml", "public"],
  ["GET", "/api/webhook", "admin"],
  ["POST", "/api/webhook", "admin"],
  ["GET", "/api/v1/auths/", "any"],
  ["POST", "/api/v1/auths/update/profile", "verified"],
  ["POST", "/api/v1/auths/update/password", "any"],
  ["POST", "/api/v1/auths/add", "admin"],
  ["GET", "/api/v1/auths/admin/details", "any"],
  ["GET", "/api/v1/auths/admin/config", "admin"],
  ["POST", "/api/v1/auths/admin/config", "admin"],
  ["GET", "/api/v1/auths/admin/config/ldap/server", "admin"],
  ["POST", "/api/v1/auths/admin/config/ldap/server", "admin"],
  ["GET", "/api/v1/auths/admin/config/ldap", "admin"],
  ["POST", "/api/v1/auths/admin/config/ldap", "admin"],
  ["POST", "/api/v1/auths/api_key", "any"],
  ["GET", "/api/v1/auths/api_key", "any"],
  ["DELETE", "/api/v1/auths/api_key", "any"],
  ["GET", "/api/v1/users/", "admin"],
  ["GET", "/api/v1/users/all", "admin"],
  ["GET", "/api/v1/users/search", "verified"],
  ["GET", "/api/v1/users/groups", "verified"],
  ["GET", "/api/v1/users/permissions", "verified"],
  ["GET", "/api/v1/users/default/permissions", "admin"],
  ["POST", "/api/v1/users/default/permissions", "admin"],
  ["GET", "/api/v1/users/user/settings", "verified"],
  ["POST", "/api/v1/users/user/settings/update", "verified"],
  ["GET", "/api/v1/users/user/info", "verified"],
  ["POST", "/api/v1/users/user/info/update", "verified"],
  ["GET", "/api/v1/users/some-id", "verified"],
  ["GET", "/api/v1/users/some-id/oauth/sessions", "admin"],
  ["GET", "/api/v1/users/some-id/profile/image", "verified"],
  ["POST", "/api/v1/users/some-id/update", "admin"],
  ["DELETE", "/api/v1/users/some-id", "admin"],
  ["GET", "/api/v1/users/some-id/groups", "admin"],
  ["GET", "/api/v1/groups/", "verified"],
  ["POST", "/api/v1/groups/create", "admin"],
  ["GET", "/api/v1/groups/id/some-id", "admin"],
  ["POST", "/api/v1/groups/id/some-id/update", "admin"],
  ["POST", "/api/v1/groups/id/some-id/users/add", "admin"],
  ["POST", "/api/v1/groups/id/some-id/users/remove", "admin"],
  ["DELETE", "/api/v1/groups/id/some-id/delete", "admin"],
  ["POST", "/api/v1/auths/ldap", "public"],
  ["POST", "/api/v1/configs/import", "admin"],
  ["GET", "/api/v1/configs/export", "admin"],
  ["GET", "/api/v1/configs/connections", "admin"],
  ["POST", "/api/v1/configs/connections", "admin"],
  ["GET", "/api/v1/configs/code_execution", "admin"],
  ["POST", "/api/v1/configs/code_execution", "admin"],
  ["GET", "/api/v1/configs/models", "admin"],
  ["POST", "/api/v1/configs/models", "admin"],
  ["POST", "/api/v1/configs/suggestions", "admin"],
  ["POST", "/api/v1/configs/banners", "admin"],
  ["GET", "/api/v1/configs/banners", "verified"],
  ["GET", "/api/v1/configs/tool_servers", "admin"],
  ["POST", "/api/v1/configs/tool_servers", "admin"],
  ["POST", "/api/v1/configs/tool_servers/verify", "admin"],
  ["GET", "/api/version/updates", "verified"],
  ["GET", "/api/v1/prompts/", "verified"],
  ["GET", "/api/v1/prompts/list", "verified"],
  ["POST", "/api/v1/prompts/create", "verified"],
  ["GET", "/api/v1/prompts/command/some-command", "verified"],
  ["POST", "/api/v1/prompts/command/some-command/update", "verified"],
  ["DELETE", "/api/v1/prompts/command/some-command/delete", "verified"],
  ["GET", "/api/v1/utils/gravatar?email=a@b.c", "verified"],
  ["POST", "/api/v1/utils/markdown", "verified"],
  ["GET", "/api/v1/utils/db/download", "admin"],
  ["GET", "/api/v1/utils/litellm/config", "admin"],
  ["GET", "/api/v1/memories/", "verified"],
  ["POST", "/api/v1/memories/add", "verified"],
  ["POST", "/api/v1/memories/query", "verified"],
  ["POST", "/api/v1/memories/reset", "verified"],
  ["DELETE", "/api/v1/memories/delete/user", "verified"],
  ["POST", "/api/v1/memories/some-id/update", "verified"],
  ["DELETE", "/api/v1/memories/some-id", "verified"],
  ["GET", "/api/v1/tools/", "verified"],
  ["GET", "/api/v1/tools/list", "verified"],
  ["GET", "/api/v1/tools/id/some-id", "verified"],
  ["GET", "/api/v1/functions/", "verified"],
  ["GET", "/api/v1/functions/id/some-id", "admin"],
  ["GET", "/api/v1/channels/", "verified"],
  ["GET", "/api/v1/channels/list", "verified"],
  ["GET", "/api/v1/channels/some-id", "verified"],
  ["GET", "/api/v1/notes/", "verified"],
  ["GET", "/api/v1/notes/list", "verified"],
  ["POST", "/api/v1/notes/create", "verified"],
  ["GET", "/api/v1/notes/some-id", "verified"],
  ["POST", "/api/v1/notes/some-id/update", "verified"],
  ["DELETE", "/api/v1/notes/some-id/delete", "verified"],
  ["GET", "/api/v1/evaluations/config", "admin"],
  ["POST", "/api/v1/evaluations/config", "admin"],
  ["GET", "/api/v1/evaluations/feedbacks/all", "admin"],
  ["DELETE", "/api/v1/evaluations/feedbacks/all", "admin"],
  ["GET", "/api/v1/evaluations/feedbacks/all/export", "admin"],
  ["GET", "/api/v1/evaluations/feedbacks/user", "verified"],
  ["DELETE", "/api/v1/evaluations/feedbacks", "verified"],
  ["POST", "/api/v1/evaluations/feedback", "verified"],
  ["GET", "/api/v1/evaluations/feedback/some-id", "verified"],
  ["POST", "/api/v1/evaluations/feedback/some-id", "verified"],
  ["DELETE", "/api/v1/evaluations/feedback/some-id", "verified"],
  ["POST", "/api/v1/files/", "verified"],
  ["GET", "/api/v1/files/", "verified"],
  ["GET", "/api/v1/files/search?filename=*", "verified"],
  ["DELETE", "/api/v1/files/all", "admin"],
  ["GET", "/api/v1/files/some-id", "verified"],
  ["GET", "/api/v1/files/some-id/process/status", "verified"],
  ["GET", "/api/v1/files/some-id/data/content", "verified"],
  ["POST", "/api/v1/files/some-id/data/content/update", "verified"],
  ["GET", "/api/v1/files/some-id/content", "verified"],
  ["GET", "/api/v1/files/some-id/content/html", "verified"],
  ["GET", "/api/v1/files/some-id/content/name.txt", "verified"],
  ["DELETE", "/api/v1/files/some-id", "verified"],
  ["GET", "/api/v1/knowledge/", "verified"],
  ["GET", "/api/v1/knowledge/list", "verified"],
  ["POST", "/api/v1/knowledge/create", "verified"],
  ["POST", "/api/v1/knowledge/reindex", "admin"],
  ["GET", "/api/v1/knowledge/some-id", "verified"],
  ["POST", "/api/v1/knowledge/some-id/update", "verified"],
  ["POST", "/api/v1/knowledge/some-id/file/add", "verified"],
  ["POST", "/api/v1/knowledge/some-id/file/update", "verified"],
  ["POST", "/api/v1/knowledge/some-id/file/remove", "verified"],
  ["DELETE", "/api/v1/knowledge/some-id/delete", "verified"],
  ["POST", "/api/v1/knowledge/some-id/reset", "verified"],
  ["POST", "/api/v1/knowledge/some-id/files/batch/add", "verified"],
  ["GET", "/api/v1/retrieval/", "public"],
  ["GET", "/api/v1/retrieval/embedding", "admin"],
  ["POST", "/api/v1/retrieval/embedding/update", "admin"],
  ["GET", "/api/v1/retrieval/config", "admin"],
  ["POST", "/api/v1/retrieval/config/update", "admin"],
  ["POST", "/api/v1/retrieval/process/file", "verified"],
  ["POST", "/api/v1/retrieval/process/text", "verified"],
  ["POST", "/api/v1/retrieval/process/youtube", "verified"],
  ["POST", "/api/v1/retrieval/process/web", "verified"],
  ["POST", "/api/v1/retrieval/process/web/search", "verified"],
  ["POST", "/api/v1/retrieval/query/doc", "verified"],
  ["POST", "/api/v1/retrieval/query/collection", "verified"],
  ["POST", "/api/v1/retrieval/delete", "admin"],
  ["POST", "/api/v1/retrieval/reset/db", "admin"],
  ["POST", "/api/v1/retrieval/reset/uploads", "admin"],
  ["GET", "/api/v1/retrieval/ef/hello", "public"],
  ["POST", "/api/v1/retrieval/process/files/batch", "verified"],
  ["GET", "/api/v1/images/config", "admin"],
  ["POST", "/api/v1/images/config/update", "admin"],
  ["GET", "/api/v1/images/config/url/verify", "admin"],
  ["GET", "/api/v1/images/image/config", "admin"],
  ["POST", "/api/v1/images/image/config/update", "admin"],
  ["GET", "/api/v1/images/models", "verified"],
  ["POST", "/api/v1/images/generations", "verified"],
  ["GET", "/api/v1/audio/config", "admin"],
  ["POST", "/api/v1/audio/config/update", "admin"],
  ["GET", "/api/v1/audio/models", "verified"],
  ["GET", "/api/v1/audio/voices", "verified"],
  ["POST", "/api/v1/audio/speech", "verified"],
  ["POST", "/api/v1/audio/transcriptions", "verified"],
  ["GET", "/api/v1/pipelines/list", "admin"],
  ["POST", "/api/v1/pipelines/upload", "admin"],
  ["POST", "/api/v1/pipelines/add", "admin"],
  ["DELETE", "/api/v1/pipelines/delete", "admin"],
  ["GET", "/api/v1/pipelines/?urlIdx=0", "admin"],
  ["GET", "/api/v1/pipelines/some-id/valves?urlIdx=0", "admin"],
  ["GET", "/api/v1/pipelines/some-id/valves/spec?urlIdx=0", "admin"],
  ["POST", "/api/v1/pipelines/some-id/valves/update?urlIdx=0", "admin"],
];

const ALLOWED: Record<Level, string[]> = {
  public: ["anonymous", "pending", "user", "admin"],
  any: ["pending", "user", "admin"],
  verified: ["user", "admin"],
  admin: ["admin"],
};

describe("auth levels", () => {
  let t: TestApp;
  const callers: Record<string, string | undefined> = { anonymous: undefined };
  beforeAll(async () => {
    // The OpenAI connection is a closed loopback port: routes that ask it never leave the machine.
    t = await startTestApp("sqlite", { OPENAI_API_BASE_URLS: "http://127.0.0.1:9/v1" });
    const admin: Account = await signUp(t, "admin@example.com");
    callers.admin = admin.token;
    callers.user = (await addUser(t, admin, "user@example.com", "user")).token;
    callers.pending = (await addUser(t, admin, "pending@example.com", "pending")).token;
  });
  afterAll(async () => {
    await t.close();
    await t.database.drop();
  });

  test.each(ROUTES)("%s %s is %s", async (method, path, level) => {
    for (const [caller, token] of Object.entries(callers)) {
      const res = await t.request(method, path, { token, body: method === "GET" || method === "DELETE" ? undefined : {} });
      if (ALLOWED[level].includes(caller)) {
        // Open WebUI also answers some "not found"s with 401; those are not auth refusals.
        if (res.status === 401) expect(res.body.detail).toBe("We could not find what you're looking for :/");
        expect(res.status).toBeLessThan(500);
      } else {
        expect({ caller, status: res.status }).toEqual({ caller, status: 401 });
        expect(typeof res.body.detail).toBe("string");
      }
    }
  });
});
