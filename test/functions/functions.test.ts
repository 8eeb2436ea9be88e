// /api/v1/functions on both databases: reads over rows written as the Python backend writes them;
// creating, updating, toggling, syncing and valves with sources the Python runtime loads; load/url.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../src/core/env";
import { onFunctionsChanged } from "../../src/functions/changes";
import { githubRawUrl, pluginNameFromUrl } from "../../src/functions/load-url";
import { updateFunction } from "../../src/functions/repository";
import { openTestApp, startTestApp, type TestApp } from "../support/app";
import { serveSources } from "../support/plugin-sources";
import { pythonAvailable, pythonEnv } from "../support/python";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { insertFunction } from "../support/workspace";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      await insertFunction(t, { id: "tidy", user_id: admin.id, type: "filter", is_active: true, is_global: true });
      await insertFunction(t, { id: "mirror", user_id: admin.id, type: "pipe", meta: { description: "echo", custom: { a: 1 } } });
      await insertFunction(t, { id: "bare", user_id: admin.id, type: "action", meta: {} });
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("GET / gives every verified user the FunctionResponse list", async () => {
      const res = await t.request("GET", "/api/v1/functions/", { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.body.map((f: any) => f.id).sort()).toEqual(["bare", "mirror", "tidy"]);
      const tidy = res.body.find((f: any) => f.id === "tidy");
      expect(Object.keys(tidy)).toEqual(["id", "user_id", "type", "name", "meta", "is_active", "is_global", "updated_at", "created_at"]);
      expect(tidy).toMatchObject({ type: "filter", is_active: true, is_global: true, meta: { description: "about tidy", manifest: { version: "1.0" } } });
      // FunctionMeta keeps extra keys and fills description and manifest.
      expect(res.body.find((f: any) => f.id === "mirror").meta).toEqual({ description: "echo", custom: { a: 1 }, manifest: {} });
      expect(res.body.find((f: any) => f.id === "bare")).toMatchObject({ is_active: false, is_global: false, meta: { description: null, manifest: {} } });
    });

    test("GET /id/{id} is for admins and includes the source", async () => {
      const res = await t.request("GET", "/api/v1/functions/id/tidy", { token: admin.token });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual([
        "id", "user_id", "name", "type", "content", "meta", "is_active", "is_global", "updated_at", "created_at",
      ]);
      expect(res.body.content).toContain("class Filter");

      const refused = await t.request("GET", "/api/v1/functions/id/tidy", { token: alice.token });
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toBe(
        "You do not have permission to access this resource. Please contact your administrator for assistance.",
      );
      const missing = await t.request("GET", "/api/v1/functions/id/none", { token: admin.token });
      expect(missing.status).toBe(401);
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");
    });

    test("export: FunctionModel rows, with valves when asked; admins only", async () => {
      const plain = await t.request("GET", "/api/v1/functions/export", { token: admin.token });
      expect(plain.status).toBe(200);
      expect(Object.keys(plain.body[0])).toEqual(["id", "user_id", "name", "type", "content", "meta", "is_active", "is_global", "updated_at", "created_at"]);
      const withValves = await t.request("GET", "/api/v1/functions/export?include_valves=true", { token: admin.token });
      expect(Object.keys(withValves.body[0])).toEqual([
        "id", "user_id", "name", "type", "content", "meta", "valves", "is_active", "is_global", "updated_at", "created_at",
      ]);
      expect(withValves.body.every((f: any) => f.valves === null)).toBe(true);
      expect((await t.request("GET", "/api/v1/functions/export?include_valves=maybe", { token: admin.token })).status).toBe(422);
      expect((await t.request("GET", "/api/v1/functions/export", { token: alice.token })).status).toBe(401);
    });

    test("an unknown id: 401 NOT_FOUND from every route that names one", async () => {
      for (const [method, path, who] of [
        ["POST", "toggle", admin],
        ["POST", "toggle/global", admin],
        ["GET", "valves", admin],
        ["GET", "valves/spec", admin],
        ["POST", "valves/update", admin],
        ["GET", "valves/user", alice],
        ["GET", "valves/user/spec", alice],
        ["POST", "valves/user/update", alice],
      ] as const) {
        const res = await t.request(method, `/api/v1/functions/id/none/${path}`, { token: who.token, body: method === "POST" ? {} : undefined });
        expect({ path, status: res.status, detail: res.body.detail }).toEqual({ path, status: 401, detail: "We could not find what you're looking for :/" });
      }
    });
  });
}

const TIDY = `"""
title: Tidy Up
author: ann
version: 1.2
"""
# from config import nothing (old-style imports are rewritten on save)
from pydantic import BaseModel, Field


class Filter:
    class Valves(BaseModel):
        priority: int = Field(default=0, description="Order among filters")

    class UserValves(BaseModel):
        enabled: bool = True

    def __init__(self):
        self.valves = self.Valves()
        self.toggle = True

    def inlet(self, body: dict) -> dict:
        return body
`;

const MIRROR = `"""
title: Mirror
version: 2
"""
class Pipe:
    def pipe(self, body: dict) -> str:
        return body["messages"][-1]["content"]
`;

const PRIORITY_SPEC = {
  properties: { priority: { default: 0, description: "Order among filters", title: "Priority", type: "integer" } },
  title: "Valves",
  type: "object",
};

for (const dialect of dialects) {
  describe.skipIf(!pythonAvailable)(`${dialect}: writing and loading functions`, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    let changes = 0;
    const form = (id: string, content: string, meta: Record<string, unknown> = { description: "tidies" }) => ({ id, name: `Function ${id}`, content, meta });
    const create = (id: string, content: string, who = admin) => t.request("POST", "/api/v1/functions/create", { token: who.token, body: form(id, content) });
    const get = async (id: string) => (await t.request("GET", `/api/v1/functions/id/${id}`, { token: admin.token })).body;

    beforeAll(async () => {
      t = await startTestApp(dialect, pythonEnv);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      onFunctionsChanged(t.ctx, () => changes++);
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("create loads the source: type, manifest from the frontmatter, a filter's toggle, rewritten imports", async () => {
      const before = changes;
      const res = await create("Tidy_Up", TIDY);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(["id", "user_id", "type", "name", "meta", "is_active", "is_global", "updated_at", "created_at"]);
      expect(res.body).toMatchObject({
        id: "tidy_up",
        user_id: admin.id,
        type: "filter",
        name: "Function Tidy_Up",
        meta: { description: "tidies", manifest: { title: "Tidy Up", author: "ann", version: "1.2" }, toggle: true },
        is_active: false,
        is_global: false,
      });
      expect(changes).toBe(before + 1);
      const stored = await get("tidy_up");
      expect(stored.content).toContain("# from open_webui.config import nothing");
      expect(stored.meta).toEqual(res.body.meta);
      expect(existsSync(join(cacheDir(t.ctx.env), "functions", "tidy_up"))).toBe(true);
      expect((await t.request("GET", "/api/v1/functions/", { token: alice.token })).body.map((f: any) => f.id)).toEqual(["tidy_up"]);
    });

    test("create refuses a bad id, a taken id and code that does not load, storing nothing", async () => {
      for (const id of ["1st", "with-dash", "", "a b"]) {
        const res = await create(id, TIDY);
        expect(res.status).toBe(400);
        expect(res.body.detail).toBe("Only alphanumeric characters and underscores are allowed in the id");
      }
      const taken = await create("TIDY_UP", TIDY);
      expect(taken.status).toBe(400);
      expect(taken.body.detail).toBe("Uh-oh! This id is already registered. Please choose another id string.");

      const broken = await create("broken", "x = (");
      expect(broken.status).toBe(400);
      expect(broken.body.detail).toStartWith("[ERROR: ");
      expect(broken.body.detail).toContain("'(' was never closed");
      const plain = await create("plain", "x = 1");
      expect(plain.body).toEqual({ detail: "[ERROR: No Function class found in the module]" });
      const raising = await create("raising", "raise ValueError('not today')");
      expect(raising.body).toEqual({ detail: "[ERROR: not today]" });
      // Old-style imports become open_webui ones: the runner has the message helpers of
      // open_webui.utils.misc, and nothing else of Open WebUI's package.
      const oldImport = await create("old_import", "from utils.misc import get_last_user_message\n" + MIRROR);
      expect(oldImport.status).toBe(200);
      const needsModels = await create("needs_models", "from open_webui.models.users import Users\n" + MIRROR);
      expect(needsModels.body).toEqual({ detail: "[ERROR: No module named 'open_webui.models']" });
      for (const id of ["broken", "plain", "raising", "needs_models"]) expect((await t.request("GET", `/api/v1/functions/id/${id}`, { token: admin.token })).status).toBe(401);

      expect((await t.request("POST", "/api/v1/functions/create", { token: admin.token, body: { id: "x", name: "x" } })).status).toBe(422);
      expect((await t.request("POST", "/api/v1/functions/create", { token: admin.token, body: { ...form("x", TIDY), meta: "m" } })).status).toBe(422);
      expect((await create("by_alice", TIDY, alice)).status).toBe(401);
    });

    test("toggle and toggle/global flip the flags and answer the FunctionModel", async () => {
      const before = changes;
      const on = await t.request("POST", "/api/v1/functions/id/tidy_up/toggle", { token: admin.token });
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ id: "tidy_up", is_active: true, is_global: false });
      expect(on.body.content).toContain("class Filter");
      const global = await t.request("POST", "/api/v1/functions/id/tidy_up/toggle/global", { token: admin.token });
      expect(global.body).toMatchObject({ is_active: true, is_global: true });
      const off = await t.request("POST", "/api/v1/functions/id/tidy_up/toggle/global", { token: admin.token });
      expect(off.body.is_global).toBe(false);
      expect(changes).toBe(before + 3);
      expect((await t.request("POST", "/api/v1/functions/id/tidy_up/toggle", { token: alice.token })).status).toBe(401);
    });

    test("valves: spec from the module, updates validated by its Valves class, nothing lost on a bad one", async () => {
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves", { token: admin.token })).body).toEqual({});
      const spec = await t.request("GET", "/api/v1/functions/id/tidy_up/valves/spec", { token: admin.token });
      expect(spec.body).toEqual(PRIORITY_SPEC);

      const before = changes;
      const saved = await t.request("POST", "/api/v1/functions/id/tidy_up/valves/update", { token: admin.token, body: { priority: 5, unknown: 1, other: null } });
      expect(saved.status).toBe(200);
      expect(saved.body).toEqual({ priority: 5 });
      expect(changes).toBe(before + 1);
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves", { token: admin.token })).body).toEqual({ priority: 5 });
      const exported = (await t.request("GET", "/api/v1/functions/export?include_valves=1", { token: admin.token })).body as any[];
      expect(exported.find((f) => f.id === "tidy_up").valves).toEqual({ priority: 5 });

      const bad = await t.request("POST", "/api/v1/functions/id/tidy_up/valves/update", { token: admin.token, body: { priority: "high" } });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain("validation error for Valves");
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves", { token: admin.token })).body).toEqual({ priority: 5 });
      expect((await t.request("POST", "/api/v1/functions/id/tidy_up/valves/update", { token: admin.token, body: [1] })).status).toBe(422);

      for (const [method, path] of [["GET", "valves"], ["GET", "valves/spec"], ["POST", "valves/update"]] as const) {
        expect((await t.request(method, `/api/v1/functions/id/tidy_up/${path}`, { token: alice.token, body: method === "POST" ? {} : undefined })).status).toBe(401);
      }
    });

    test("user valves: each user's own, validated by UserValves", async () => {
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves/user", { token: alice.token })).body).toEqual({});
      const spec = await t.request("GET", "/api/v1/functions/id/tidy_up/valves/user/spec", { token: alice.token });
      expect(spec.body).toEqual({ properties: { enabled: { default: true, title: "Enabled", type: "boolean" } }, title: "UserValves", type: "object" });

      const saved = await t.request("POST", "/api/v1/functions/id/tidy_up/valves/user/update", { token: alice.token, body: { enabled: false } });
      expect(saved.body).toEqual({ enabled: false });
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves/user", { token: alice.token })).body).toEqual({ enabled: false });
      // Bob has his own (none yet); Alice's are not his to see or change.
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves/user", { token: bob.token })).body).toEqual({});
      const settings = (await t.request("GET", "/api/v1/users/user/settings", { token: alice.token })).body;
      expect(settings.functions.valves.tidy_up).toEqual({ enabled: false });

      const bad = await t.request("POST", "/api/v1/functions/id/tidy_up/valves/user/update", { token: alice.token, body: { enabled: "perhaps" } });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain("validation error for UserValves");
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves/user", { token: alice.token })).body).toEqual({ enabled: false });
    });

    test("a module without Valves or UserValves: null specs, and updates answer 401 NOT_FOUND", async () => {
      expect((await create("mirror", MIRROR)).body.type).toBe("pipe");
      expect((await t.request("GET", "/api/v1/functions/id/mirror/valves/spec", { token: admin.token })).body).toBeNull();
      expect((await t.request("GET", "/api/v1/functions/id/mirror/valves/user/spec", { token: alice.token })).body).toBeNull();
      for (const [path, who] of [["valves/update", admin], ["valves/user/update", alice]] as const) {
        const res = await t.request("POST", `/api/v1/functions/id/mirror/${path}`, { token: who.token, body: { a: 1 } });
        expect(res.status).toBe(401);
        expect(res.body.detail).toBe("We could not find what you're looking for :/");
      }
    });

    test("update reloads: new type and manifest; code that does not load keeps the source and deactivates", async () => {
      const changed = await t.request("POST", "/api/v1/functions/id/mirror/update", {
        token: admin.token,
        body: { ...form("ignored", TIDY.replace("title: Tidy Up", "title: Now a filter"), { description: "now filters", custom: 1 }), name: "Renamed" },
      });
      expect(changed.status).toBe(200);
      expect(Object.keys(changed.body)).toEqual(["id", "user_id", "name", "type", "content", "meta", "is_active", "is_global", "updated_at", "created_at"]);
      expect(changed.body).toMatchObject({
        id: "mirror",
        name: "Renamed",
        type: "filter",
        meta: { description: "now filters", manifest: { title: "Now a filter", author: "ann", version: "1.2" }, custom: 1, toggle: true },
      });
      expect((await t.request("GET", "/api/v1/functions/id/ignored", { token: admin.token })).status).toBe(401);

      await t.request("POST", "/api/v1/functions/id/mirror/toggle", { token: admin.token });
      expect((await get("mirror")).is_active).toBe(true);
      const before = changes;
      const broken = await t.request("POST", "/api/v1/functions/id/mirror/update", { token: admin.token, body: form("mirror", "def (") });
      expect(broken.status).toBe(400);
      expect(broken.body.detail).toStartWith("[ERROR: ");
      const kept = await get("mirror");
      expect(kept).toMatchObject({ name: "Renamed", type: "filter", is_active: false });
      expect(kept.content).toBe(changed.body.content);
      expect(changes).toBe(before + 1);

      const missing = await t.request("POST", "/api/v1/functions/id/none/update", { token: admin.token, body: form("none", MIRROR) });
      expect(missing.status).toBe(401);
      expect((await t.request("POST", "/api/v1/functions/id/mirror/update", { token: alice.token, body: form("mirror", MIRROR) })).status).toBe(401);
    });

    test("a stored source that no longer loads: its valves routes answer 400 and it is deactivated", async () => {
      await updateFunction(t.ctx.db, "tidy_up", { content: "class Filter(:\n    pass\n", is_active: true });
      const spec = await t.request("GET", "/api/v1/functions/id/tidy_up/valves/user/spec", { token: alice.token });
      expect(spec.status).toBe(400);
      expect(spec.body.detail).toStartWith("[ERROR: ");
      expect((await get("tidy_up")).is_active).toBe(false);
      await updateFunction(t.ctx.db, "tidy_up", { content: TIDY });
    });

    test("sync makes the table the list sent: updated, added, the rest deleted", async () => {
      const exported = (await t.request("GET", "/api/v1/functions/export?include_valves=true", { token: admin.token })).body;
      const tidy = exported.find((f: any) => f.id === "tidy_up");
      const sent = [
        { ...tidy, name: "Tidy (synced)", user_id: "someone-else", is_global: true, valves: { priority: 9 } },
        { ...form("fresh", MIRROR), user_id: admin.id, type: "pipe", is_active: true, updated_at: 1, created_at: 2 },
      ];
      const before = changes;
      const res = await t.request("POST", "/api/v1/functions/sync", { token: admin.token, body: { functions: sent } });
      expect(res.status).toBe(200);
      expect(changes).toBe(before + 1);
      expect(res.body.map((f: any) => f.id).sort()).toEqual(["fresh", "tidy_up"]);
      expect(Object.keys(res.body[0])).toEqual([
        "id", "user_id", "name", "type", "content", "meta", "valves", "is_active", "is_global", "updated_at", "created_at",
      ]);
      expect(res.body.every((f: any) => f.valves === null && f.user_id === admin.id)).toBe(true);
      expect(res.body.find((f: any) => f.id === "fresh")).toMatchObject({ type: "pipe", is_active: true, created_at: 2, meta: { description: "tidies", manifest: {} } });
      expect((await get("tidy_up")).name).toBe("Tidy (synced)");
      expect((await t.request("GET", "/api/v1/functions/id/tidy_up/valves", { token: admin.token })).body).toEqual({ priority: 9 });
      expect((await t.request("GET", "/api/v1/functions/id/mirror", { token: admin.token })).status).toBe(401);

      const badValves = await t.request("POST", "/api/v1/functions/sync", { token: admin.token, body: { functions: [{ ...sent[0], valves: { priority: "x" } }] } });
      expect(badValves.status).toBe(400);
      expect(badValves.body.detail).toContain("validation error for Valves");
      const broken = await t.request("POST", "/api/v1/functions/sync", { token: admin.token, body: { functions: [{ ...sent[1], content: "x = (" }] } });
      expect(broken.status).toBe(400);
      // Nothing synced: both are still there (the broken one deactivated, as the reference does).
      expect((await t.request("GET", "/api/v1/functions/", { token: admin.token })).body.map((f: any) => [f.id, f.is_active]).sort()).toEqual([
        ["fresh", false],
        ["tidy_up", false],
      ]);
      expect((await t.request("POST", "/api/v1/functions/sync", { token: admin.token, body: { functions: [{ id: "x" }] } })).status).toBe(422);
      expect((await t.request("POST", "/api/v1/functions/sync", { token: alice.token, body: { functions: [] } })).status).toBe(401);
    });

    test("delete removes the function (admins only)", async () => {
      expect((await t.request("DELETE", "/api/v1/functions/id/fresh/delete", { token: alice.token })).status).toBe(401);
      const before = changes;
      const res = await t.request("DELETE", "/api/v1/functions/id/fresh/delete", { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body).toBe(true);
      expect(changes).toBe(before + 1);
      expect((await t.request("GET", "/api/v1/functions/id/fresh", { token: admin.token })).status).toBe(401);
    });

    test("load/url fetches a source through the SSRF guard", async () => {
      const sources = serveSources({ "/clock.py": MIRROR, "/kit/main.py": TIDY });
      try {
        const refused = await t.request("POST", "/api/v1/functions/load/url", { token: admin.token, body: { url: sources.url("/clock.py") } });
        expect(refused.status).toBe(400);
        expect(refused.body.detail).toStartWith("Error importing function: Fetching 127.0.0.1 is not allowed");
        expect((await t.request("POST", "/api/v1/functions/load/url", { token: admin.token, body: { url: "not a url" } })).status).toBe(422);
        expect((await t.request("POST", "/api/v1/functions/load/url", { token: admin.token, body: { url: "ftp://example.com/a.py" } })).status).toBe(422);
        expect((await t.request("POST", "/api/v1/functions/load/url", { token: alice.token, body: { url: sources.url("/clock.py") } })).status).toBe(401);

        const local = await openTestApp(t.database, { ...pythonEnv, ENABLE_RAG_LOCAL_WEB_FETCH: "true" });
        try {
          const load = (path: string) => local.request("POST", "/api/v1/functions/load/url", { token: admin.token, body: { url: sources.url(path) } });
          expect((await load("/clock.py")).body).toEqual({ name: "clock", content: MIRROR });
          expect((await load("/kit/main.py")).body).toEqual({ name: "kit", content: TIDY });
          expect(await load("/missing.py")).toMatchObject({ status: 400, body: { detail: "Error importing function: 404: Failed to fetch the function" } });
          expect(await load("/empty.py")).toMatchObject({ status: 400, body: { detail: "Error importing function: 400: No data received from the URL" } });
        } finally {
          await local.close();
        }
      } finally {
        sources.stop();
      }
    });
  });
}

describe("GitHub addresses and names in load/url", () => {
  test("folder and file pages become raw URLs; others stay", () => {
    expect(githubRawUrl("https://github.com/o/r/tree/main/tools/clock/")).toBe("https://raw.githubusercontent.com/o/r/refs/heads/main/tools/clock/main.py");
    expect(githubRawUrl("https://github.com/o/r/blob/dev/a/b.py")).toBe("https://raw.githubusercontent.com/o/r/refs/heads/dev/a/b.py");
    expect(githubRawUrl("https://example.com/o/r/blob/dev/a/b.py")).toBe("https://example.com/o/r/blob/dev/a/b.py");
  });

  test("the name is the file's, or its folder's for main.py, index.py and __init__.py", () => {
    expect(pluginNameFromUrl("https://x.org/a/clock.py")).toBe("clock");
    expect(pluginNameFromUrl("https://x.org/a/clock/main.py")).toBe("clock");
    expect(pluginNameFromUrl("https://x.org/a/clock/__init__.py")).toBe("clock");
    expect(pluginNameFromUrl("https://x.org/a/clock/")).toBe("a");
  });
});
