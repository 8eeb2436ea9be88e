// /api/v1/tools read routes on both databases, over rows written as the Python backend writes
// them: access control (public, private, group, user), shapes, other users' tools.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
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

    test("writes and valves are absent", async () => {
      expect((await t.request("POST", "/api/v1/tools/create", { token: admin.token, body: {} })).status).toBe(404);
      expect((await t.request("DELETE", "/api/v1/tools/id/clock/delete", { token: admin.token })).status).toBe(404);
      expect((await t.request("GET", "/api/v1/tools/id/clock/valves", { token: admin.token })).status).toBe(404);
      expect((await t.request("GET", "/api/v1/tools/id/clock", { token: admin.token })).body.id).toBe("clock");
    });
  });
}
