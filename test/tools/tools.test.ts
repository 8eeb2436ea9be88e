// /api/v1/tools on both databases: reads over rows written as the Python backend writes them
// (access control: public, private, group, user; shapes; other users' tools), and creating,
// updating, deleting and valves with sources the Python runtime loads; load/url.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cacheDir } from "../../src/core/env";
import { openTestApp, startTestApp, type TestApp } from "../support/app";
import { serveSources } from "../support/plugin-sources";
import { pythonAvailable, pythonEnv } from "../support/python";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { createGroup, grants, insertTool } from "../support/workspace";

const WITH_USER_VALVES = `from pydantic import BaseModel

class Tools:
    class Valves(BaseModel):
        prefix: str = ""

    class UserValves(BaseModel):
        tz: str = "UTC"

    def now(self) -> str:
        return "noon"
`;

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    let carol: Account;

    const ids = async (who: Account, path: string) =>
      (await t.request("GET", `/api/v1/tools${path}`, { token: who.token })).body.map((x: any) => x.id);

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      carol = await addUser(t, admin, "carol@example.com");
      const team = await createGroup(t, admin, "Team", [alice, bob]);
      const now = Math.floor(Date.now() / 1000);
      await insertTool(t, { id: "clock", user_id: admin.id, access_control: null, content: WITH_USER_VALVES, updated_at: now - 40 });
      await insertTool(t, { id: "diary", user_id: alice.id, access_control: {}, updated_at: now - 30 });
      await insertTool(t, { id: "team_search", user_id: alice.id, access_control: grants({ groups: [team] }), updated_at: now - 20 });
      await insertTool(t, {
        id: "carol_edit",
        user_id: alice.id,
        access_control: grants({}, { users: [carol.id] }),
        meta: { description: "edits", extra: "dropped" },
        updated_at: now - 10,
      });
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("GET / lists the tools the caller may read, newest first, in ToolUserResponse shape", async () => {
      expect(await ids(admin, "/")).toEqual(["carol_edit", "team_search", "diary", "clock"]);
      expect(await ids(alice, "/")).toEqual(["carol_edit", "team_search", "diary", "clock"]);
      expect(await ids(bob, "/")).toEqual(["team_search", "clock"]);
      // "write" does not imply "read".
      expect(await ids(carol, "/")).toEqual(["clock"]);

      const [clock] = (await t.request("GET", "/api/v1/tools/", { token: carol.token })).body;
      expect(Object.keys(clock)).toEqual([
        "id", "user_id", "name", "meta", "access_control", "updated_at", "created_at", "user", "content", "specs", "has_user_valves",
      ]);
      expect(clock).toMatchObject({
        id: "clock",
        user_id: admin.id,
        name: "Tool clock",
        meta: { description: "about clock", manifest: {} },
        access_control: null,
        user: { id: admin.id, name: "Admin", email: "admin@example.com", role: "admin", profile_image_url: "/user.png" },
        content: WITH_USER_VALVES,
        has_user_valves: true,
      });
      expect(clock.specs[0].name).toBe("hello");
      const all = (await t.request("GET", "/api/v1/tools/", { token: alice.token })).body;
      expect(all.find((x: any) => x.id === "diary").has_user_valves).toBe(false);
      // ToolMeta keeps only description and manifest.
      expect(all.find((x: any) => x.id === "carol_edit").meta).toEqual({ description: "edits", manifest: {} });
    });

    test("GET /list lists the tools the caller may change", async () => {
      expect(await ids(admin, "/list")).toEqual(["carol_edit", "team_search", "diary", "clock"]);
      expect(await ids(alice, "/list")).toEqual(["carol_edit", "team_search", "diary"]);
      expect(await ids(bob, "/list")).toEqual([]);
      expect(await ids(carol, "/list")).toEqual(["carol_edit"]);
      const [item] = (await t.request("GET", "/api/v1/tools/list", { token: carol.token })).body;
      expect(Object.keys(item)).toEqual(["id", "user_id", "name", "meta", "access_control", "updated_at", "created_at", "user"]);
      expect(item.user.id).toBe(alice.id);
    });

    test("GET /id/{id}: a ToolModel for who may read it, null for others, 401 when missing", async () => {
      const team = await t.request("GET", "/api/v1/tools/id/team_search", { token: bob.token });
      expect(team.status).toBe(200);
      expect(Object.keys(team.body)).toEqual([
        "id", "user_id", "name", "content", "specs", "meta", "access_control", "updated_at", "created_at",
      ]);
      expect(team.body.access_control.read.group_ids.length).toBe(1);

      // Another user's private tool: 200 null, as the reference; nothing of it leaks.
      for (const who of [bob, carol]) {
        const hidden = await t.request("GET", "/api/v1/tools/id/diary", { token: who.token });
        expect(hidden.status).toBe(200);
        expect(hidden.body).toBeNull();
      }
      expect((await t.request("GET", "/api/v1/tools/id/diary", { token: admin.token })).body.id).toBe("diary");

      const missing = await t.request("GET", "/api/v1/tools/id/nothing_here", { token: alice.token });
      expect(missing.status).toBe(401);
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");
    });

    test("export: every tool as a ToolModel, for admins", async () => {
      const res = await t.request("GET", "/api/v1/tools/export", { token: admin.token });
      expect(res.body.map((x: any) => x.id)).toEqual(["carol_edit", "team_search", "diary", "clock"]);
      expect(Object.keys(res.body[0])).toEqual(["id", "user_id", "name", "content", "specs", "meta", "access_control", "updated_at", "created_at"]);
      expect((await t.request("GET", "/api/v1/tools/export", { token: alice.token })).status).toBe(401);
    });

    test("delete: the owner, a writer or an admin; others 401, nothing deleted", async () => {
      for (const who of [bob, admin]) expect((await t.request("DELETE", "/api/v1/tools/id/nothing_here/delete", { token: who.token })).body.detail).toBe("We could not find what you're looking for :/");
      for (const who of [bob, carol]) {
        const refused = await t.request("DELETE", "/api/v1/tools/id/team_search/delete", { token: who.token });
        expect(refused.status).toBe(401);
        expect(refused.body.detail).toBe("401 Unauthorized");
      }
      // Carol holds a write grant on carol_edit.
      expect((await t.request("DELETE", "/api/v1/tools/id/carol_edit/delete", { token: carol.token })).body).toBe(true);
      expect((await t.request("DELETE", "/api/v1/tools/id/clock/delete", { token: alice.token })).status).toBe(401);
      expect((await t.request("DELETE", "/api/v1/tools/id/diary/delete", { token: alice.token })).body).toBe(true);
      expect((await t.request("DELETE", "/api/v1/tools/id/team_search/delete", { token: admin.token })).body).toBe(true);
      expect(await ids(admin, "/")).toEqual(["clock"]);
    });
  });
}

const WEATHER = `"""
title: Weather
author: ann
requirements:
"""
# from utils.misc import nothing (old-style imports are rewritten on save)
from pydantic import BaseModel, Field


class Tools:
    class Valves(BaseModel):
        api_key: str = Field(default="", description="The service's key")

    class UserValves(BaseModel):
        unit: str = "C"

    def forecast(self, city: str) -> str:
        """
        Tell tomorrow's weather.
        :param city: Where
        """
        return f"sun in {city}"
`;

const PLAIN = `class Tools:
    def ping(self) -> str:
        """Answer pong."""
        return "pong"
`;

const FORECAST_SPEC = {
  name: "forecast",
  description: "Tell tomorrow's weather.",
  parameters: { properties: { city: { description: "Where", type: "string" } }, required: ["city"], type: "object" },
};

for (const dialect of dialects) {
  describe.skipIf(!pythonAvailable)(`${dialect}: writing and loading tools`, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    let carol: Account;
    const form = (id: string, content: string, extra: Record<string, unknown> = {}) => ({
      id,
      name: `Tool ${id}`,
      content,
      meta: { description: `about ${id}`, dropped: true },
      ...extra,
    });
    const create = (who: Account, id: string, content: string, extra: Record<string, unknown> = {}) =>
      t.request("POST", "/api/v1/tools/create", { token: who.token, body: form(id, content, extra) });
    const read = async (id: string) => (await t.request("GET", `/api/v1/tools/id/${id}`, { token: admin.token })).body;

    beforeAll(async () => {
      t = await startTestApp(dialect, pythonEnv);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      carol = await addUser(t, admin, "carol@example.com");
      await createGroup(t, admin, "Builders", [alice], { workspace: { tools: true } });
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("create needs workspace.tools unless admin, and stores the module's specs and manifest", async () => {
      const refused = await create(bob, "weather", WEATHER);
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toBe("401 Unauthorized");

      const res = await create(alice, "Weather", WEATHER, { access_control: grants({ users: [bob.id] }, { users: [carol.id] }) });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(["id", "user_id", "name", "meta", "access_control", "updated_at", "created_at"]);
      expect(res.body).toMatchObject({
        id: "weather",
        user_id: alice.id,
        name: "Tool Weather",
        meta: { description: "about Weather", manifest: { title: "Weather", author: "ann", requirements: "" } },
      });
      expect(res.body.meta).not.toHaveProperty("dropped");
      const stored = await read("weather");
      expect(stored.specs).toEqual([FORECAST_SPEC]);
      expect(stored.content).toContain("# from open_webui.utils.misc import nothing");
      expect(existsSync(join(cacheDir(t.ctx.env), "tools", "weather"))).toBe(true);

      const byAdmin = await create(admin, "ping", PLAIN);
      expect(byAdmin.body.access_control).toBeNull();
      expect((await read("ping")).specs).toEqual([
        { name: "ping", description: "Answer pong.", parameters: { properties: {}, type: "object" } },
      ]);
    });

    test("create refuses a bad id, a taken id and code that does not load, storing nothing", async () => {
      expect((await create(alice, "2nd", PLAIN)).body.detail).toBe("Only alphanumeric characters and underscores are allowed in the id");
      expect((await create(alice, "WEATHER", PLAIN)).body.detail).toBe("Uh-oh! This id is already registered. Please choose another id string.");
      const broken = await create(alice, "broken", "def f(:\n    pass\n");
      expect(broken.status).toBe(400);
      expect(broken.body.detail).toStartWith("[ERROR: ");
      expect(broken.body.detail).toContain("invalid syntax");
      expect((await create(alice, "plain", "x = 1")).body).toEqual({ detail: "[ERROR: No Tools class found in the module]" });
      for (const id of ["broken", "plain"]) expect((await t.request("GET", `/api/v1/tools/id/${id}`, { token: admin.token })).status).toBe(401);
      expect((await t.request("POST", "/api/v1/tools/create", { token: alice.token, body: { id: "x", name: "x", content: PLAIN } })).status).toBe(422);
      expect((await create(alice, "bad_access", PLAIN, { access_control: { read: { user_ids: "all" } } })).status).toBe(422);
    });

    test("update: the owner, a writer or an admin; the specs follow the code; a failed load keeps the tool", async () => {
      const refusedFor = async (who: Account) => t.request("POST", "/api/v1/tools/id/weather/update", { token: who.token, body: form("weather", PLAIN) });
      // Bob may read (not write); admin's tool "ping" is public (read only for others).
      expect(await refusedFor(bob)).toMatchObject({ status: 401, body: { detail: "401 Unauthorized" } });
      const othersPing = await t.request("POST", "/api/v1/tools/id/ping/update", { token: alice.token, body: form("ping", PLAIN) });
      expect(othersPing.status).toBe(401);
      const missing = await t.request("POST", "/api/v1/tools/id/none/update", { token: alice.token, body: form("none", PLAIN) });
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");

      const access = grants({ users: [bob.id] }, { users: [carol.id] });
      const changed = await t.request("POST", "/api/v1/tools/id/weather/update", {
        token: carol.token,
        body: { ...form("other_id", WEATHER.replace("def forecast", "def outlook").replace("title: Weather", "title: Outlook")), access_control: access },
      });
      expect(changed.status).toBe(200);
      expect(Object.keys(changed.body)).toEqual(["id", "user_id", "name", "content", "specs", "meta", "access_control", "updated_at", "created_at"]);
      expect(changed.body).toMatchObject({ id: "weather", user_id: alice.id, name: "Tool other_id", access_control: access });
      expect(changed.body.specs.map((s: any) => s.name)).toEqual(["outlook"]);
      expect(changed.body.meta).toEqual({ description: "about other_id", manifest: { title: "Outlook", author: "ann", requirements: "" } });

      const broken = await t.request("POST", "/api/v1/tools/id/weather/update", { token: alice.token, body: { ...form("weather", "class Tools(:"), access_control: access } });
      expect(broken.status).toBe(400);
      expect(broken.body.detail).toStartWith("[ERROR: ");
      const kept = await read("weather");
      expect(kept.content).toBe(changed.body.content);
      expect(kept.specs).toEqual(changed.body.specs);

      const byAdmin = await t.request("POST", "/api/v1/tools/id/weather/update", { token: admin.token, body: { ...form("weather", WEATHER), access_control: access } });
      expect(byAdmin.body.specs).toEqual([FORECAST_SPEC]);
    });

    test("valves: read and changed by who may write the tool; spec from the module; bad values refused", async () => {
      expect((await t.request("GET", "/api/v1/tools/id/weather/valves", { token: alice.token })).body).toEqual({});
      const hidden = await t.request("GET", "/api/v1/tools/id/weather/valves", { token: bob.token });
      expect(hidden.status).toBe(401);
      expect(hidden.body.detail).toBe("You do not have permission to access this resource. Please contact your administrator for assistance.");

      const spec = await t.request("GET", "/api/v1/tools/id/weather/valves/spec", { token: bob.token });
      expect(spec.body).toEqual({
        properties: { api_key: { default: "", description: "The service's key", title: "Api Key", type: "string" } },
        title: "Valves",
        type: "object",
      });

      const refused = await t.request("POST", "/api/v1/tools/id/weather/valves/update", { token: bob.token, body: { api_key: "stolen" } });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toBe("You do not have permission to access this resource. Please contact your administrator for assistance.");
      const saved = await t.request("POST", "/api/v1/tools/id/weather/valves/update", { token: carol.token, body: { api_key: "k-1", extra: 1, none: null } });
      expect(saved.body).toEqual({ api_key: "k-1" });
      expect((await t.request("GET", "/api/v1/tools/id/weather/valves", { token: alice.token })).body).toEqual({ api_key: "k-1" });
      expect((await t.request("GET", "/api/v1/tools/id/weather/valves", { token: admin.token })).body).toEqual({ api_key: "k-1" });

      const bad = await t.request("POST", "/api/v1/tools/id/weather/valves/update", { token: alice.token, body: { api_key: ["x"] } });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain("validation error for Valves");
      expect((await t.request("GET", "/api/v1/tools/id/weather/valves", { token: alice.token })).body).toEqual({ api_key: "k-1" });
      expect((await t.request("POST", "/api/v1/tools/id/weather/valves/update", { token: alice.token, body: "k" })).status).toBe(422);

      // A tool without Valves: no spec, and nothing to update.
      expect((await t.request("GET", "/api/v1/tools/id/ping/valves/spec", { token: alice.token })).body).toBeNull();
      const none = await t.request("POST", "/api/v1/tools/id/ping/valves/update", { token: admin.token, body: { a: 1 } });
      expect(none).toMatchObject({ status: 401, body: { detail: "We could not find what you're looking for :/" } });
      for (const path of ["valves", "valves/spec", "valves/user", "valves/user/spec"]) {
        expect((await t.request("GET", `/api/v1/tools/id/none/${path}`, { token: alice.token })).status).toBe(401);
      }
    });

    test("user valves: each user's own, validated by UserValves", async () => {
      const spec = await t.request("GET", "/api/v1/tools/id/weather/valves/user/spec", { token: bob.token });
      expect(spec.body).toEqual({ properties: { unit: { default: "C", title: "Unit", type: "string" } }, title: "UserValves", type: "object" });
      expect((await t.request("POST", "/api/v1/tools/id/weather/valves/user/update", { token: bob.token, body: { unit: "F" } })).body).toEqual({ unit: "F" });
      expect((await t.request("GET", "/api/v1/tools/id/weather/valves/user", { token: bob.token })).body).toEqual({ unit: "F" });
      expect((await t.request("GET", "/api/v1/tools/id/weather/valves/user", { token: alice.token })).body).toEqual({});
      const bad = await t.request("POST", "/api/v1/tools/id/weather/valves/user/update", { token: bob.token, body: { unit: 5 } });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toContain("validation error for UserValves");
      expect((await t.request("GET", "/api/v1/tools/id/weather/valves/user", { token: bob.token })).body).toEqual({ unit: "F" });
      expect((await t.request("GET", "/api/v1/tools/id/ping/valves/user/spec", { token: bob.token })).body).toBeNull();
      const none = await t.request("POST", "/api/v1/tools/id/ping/valves/user/update", { token: bob.token, body: { unit: "F" } });
      expect(none).toMatchObject({ status: 401, body: { detail: "We could not find what you're looking for :/" } });
      const listed = (await t.request("GET", "/api/v1/tools/", { token: bob.token })).body;
      expect(listed.map((x: any) => [x.id, x.has_user_valves]).sort()).toEqual([["ping", false], ["weather", true]]);
    });

    test("load/url fetches a source through the SSRF guard", async () => {
      const sources = serveSources({ "/kit/weather.py": WEATHER });
      try {
        const refused = await t.request("POST", "/api/v1/tools/load/url", { token: admin.token, body: { url: sources.url("/kit/weather.py") } });
        expect(refused.status).toBe(400);
        expect(refused.body.detail).toStartWith("Error importing tool: Fetching 127.0.0.1 is not allowed");
        expect((await t.request("POST", "/api/v1/tools/load/url", { token: alice.token, body: { url: sources.url("/kit/weather.py") } })).status).toBe(401);
        const local = await openTestApp(t.database, { ...pythonEnv, ENABLE_RAG_LOCAL_WEB_FETCH: "true" });
        try {
          const load = (path: string) => local.request("POST", "/api/v1/tools/load/url", { token: admin.token, body: { url: sources.url(path) } });
          expect((await load("/kit/weather.py")).body).toEqual({ name: "weather", content: WEATHER });
          expect(await load("/kit/other.py")).toMatchObject({ status: 400, body: { detail: "Error importing tool: 404: Failed to fetch the tool" } });
        } finally {
          await local.close();
        }
      } finally {
        sources.stop();
      }
    });

    test("delete: a reader cannot, a writer can", async () => {
      expect((await t.request("DELETE", "/api/v1/tools/id/weather/delete", { token: bob.token })).status).toBe(401);
      expect((await t.request("DELETE", "/api/v1/tools/id/weather/delete", { token: carol.token })).body).toBe(true);
      expect((await t.request("GET", "/api/v1/tools/id/weather", { token: admin.token })).status).toBe(401);
    });
  });
}
