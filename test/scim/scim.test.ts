// /api/v1/scim/v2 on both databases: the SCIM token, discovery, users and groups with filters,
// pagination and PATCH, SCIM errors, and the router's absence when SCIM is off.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";

const SCIM = "/api/v1/scim/v2";
const TOKEN = "scim-secret-token";
const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const PROTECTED: [string, string][] = [
  ["GET", "/Users"],
  ["GET", "/Users/some-id"],
  ["POST", "/Users"],
  ["PUT", "/Users/some-id"],
  ["PATCH", "/Users/some-id"],
  ["DELETE", "/Users/some-id"],
  ["GET", "/Groups"],
  ["GET", "/Groups/some-id"],
  ["POST", "/Groups"],
  ["PUT", "/Groups/some-id"],
  ["PATCH", "/Groups/some-id"],
  ["DELETE", "/Groups/some-id"],
];

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    const scim = (method: string, path: string, body?: unknown) => t.request(method, `${SCIM}${path}`, { token: TOKEN, body });
    const newUser = (email: string, extra: Record<string, unknown> = {}) =>
      scim("POST", "/Users", { userName: email, displayName: email.split("@")[0], emails: [{ value: email }], ...extra });

    beforeAll(async () => {
      t = await startTestApp(dialect, { SCIM_ENABLED: "true", SCIM_TOKEN: TOKEN });
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
    });
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("discovery documents are public", async () => {
      const config = await t.request("GET", `${SCIM}/ServiceProviderConfig`);
      expect(config.status).toBe(200);
      expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true, maxResults: 200 } });
      const types = await t.request("GET", `${SCIM}/ResourceTypes`);
      expect(types.body.map((r: any) => [r.id, r.endpoint])).toEqual([
        ["User", "/Users"],
        ["Group", "/Groups"],
      ]);
      expect(types.body[0].meta.location).toBe("http://localhost/api/v1/scim/v2/ResourceTypes/User");
      const schemas = await t.request("GET", `${SCIM}/Schemas`);
      expect(schemas.body.map((s: any) => s.name)).toEqual(["User", "Group"]);
    });

    test.each(PROTECTED)("%s %s needs the SCIM token", async (method, path) => {
      const body = method === "GET" || method === "DELETE" ? undefined : {};
      const missing = await t.request(method, `${SCIM}${path}`, { body });
      expect(missing.status).toBe(401);
      expect(missing.body).toEqual({ detail: "Authorization header required" });
      expect(missing.headers.get("www-authenticate")).toBe("Bearer");
      const wrong = await t.request(method, `${SCIM}${path}`, { token: "wrong", body });
      expect(wrong).toMatchObject({ status: 401, body: { detail: "Invalid SCIM token" } });
      // A user's session is not the SCIM token, not even an admin's.
      const session = await t.request(method, `${SCIM}${path}`, { token: admin.token, body });
      expect(session).toMatchObject({ status: 401, body: { detail: "Invalid SCIM token" } });
      const basic = await t.request(method, `${SCIM}${path}`, { headers: { authorization: `Basic ${TOKEN}` }, body });
      expect(basic).toMatchObject({ status: 401, body: { detail: "Invalid authentication scheme" } });
      const bare = await t.request(method, `${SCIM}${path}`, { headers: { authorization: TOKEN }, body });
      expect(bare.body.detail).toBe("Invalid authorization format. Expected: Bearer <token>");
      const right = await scim(method, path, body);
      expect([200, 201, 204, 404, 422]).toContain(right.status);
    });

    test("create, read, replace and delete a user", async () => {
      const created = await newUser("Carol@Example.com", {
        name: { givenName: "Carol", familyName: "Danvers" },
        photos: [{ value: "https://example.com/carol.png" }],
        password: "ignored",
      });
      expect(created.status).toBe(201);
      const carol = created.body;
      expect(carol).toMatchObject({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        externalId: null,
        userName: "carol@example.com",
        name: { formatted: "Carol Danvers", givenName: "Carol", familyName: "Danvers", middleName: null },
        displayName: "Carol Danvers",
        emails: [{ value: "carol@example.com", type: "work", primary: true, display: null }],
        active: true,
        photos: [{ value: "https://example.com/carol.png", type: "photo", primary: true, display: null }],
        groups: null,
        meta: { resourceType: "User", location: `http://localhost${SCIM}/Users/${carol.id}`, version: null },
      });
      expect(carol.meta.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);

      // Written as the rest of the app writes accounts: a user row and an auth row, role "user".
      const rows = await t.ctx.db.execute(`SELECT role FROM "user" WHERE id = '${carol.id}'`);
      expect(rows[0]?.role).toBe("user");
      const auth = await t.ctx.db.execute(`SELECT email FROM auth WHERE id = '${carol.id}'`);
      expect(auth[0]?.email).toBe("carol@example.com");
      const users = await t.request("GET", "/api/v1/users/", { token: admin.token });
      expect(users.body.users.map((u: any) => u.email)).toContain("carol@example.com");

      expect((await scim("GET", `/Users/${carol.id}`)).body).toEqual(carol);

      const replaced = await scim("PUT", `/Users/${carol.id}`, {
        userName: "carol@example.org",
        displayName: "Captain Marvel",
        active: false,
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ userName: "carol@example.org", displayName: "Captain Marvel", active: false });
      const moved = await t.ctx.db.execute(`SELECT email FROM auth WHERE id = '${carol.id}'`);
      expect(moved[0]?.email).toBe("carol@example.org");

      const deleted = await scim("DELETE", `/Users/${carol.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe("");
      const gone = await scim("GET", `/Users/${carol.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual({
        schemas: [ERROR_SCHEMA],
        status: "404",
        detail: `User ${carol.id} not found`,
        scimType: "invalidValue",
      });
      expect((await scim("DELETE", `/Users/${carol.id}`)).body).toEqual({ detail: `User ${carol.id} not found` });
    });

    test("an inactive user is created pending; a taken e-mail is a 409", async () => {
      const created = await newUser("dave@example.com", { active: false });
      expect(created.body.active).toBe(false);
      const rows = await t.ctx.db.execute(`SELECT role FROM "user" WHERE id = '${created.body.id}'`);
      expect(rows[0]?.role).toBe("pending");
      const again = await newUser("dave@example.com");
      expect(again).toMatchObject({ status: 409, body: { detail: "User with email dave@example.com already exists" } });
      const viaEmails = await scim("POST", "/Users", {
        userName: "someone-new",
        displayName: "X",
        emails: [{ value: "DAVE@example.com" }],
      });
      expect(viaEmails.status).toBe(409);
    });

    test("the SCIM media type is read as JSON", async () => {
      const res = await t.request("POST", `${SCIM}/Users`, {
        token: TOKEN,
        headers: { "content-type": "application/scim+json" },
        body: { userName: "erin@example.com", displayName: "Erin", emails: [{ value: "erin@example.com" }] },
      });
      expect(res.status).toBe(201);
      expect(res.body.userName).toBe("erin@example.com");
    });

    test("filter and pagination of users", async () => {
      for (const n of [1, 2, 3]) await newUser(`page${n}@example.com`);
      const found = await t.request("GET", `${SCIM}/Users?filter=${encodeURIComponent('userName eq "page2@example.com"')}`, {
        token: TOKEN,
      });
      expect(found.body).toMatchObject({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        totalResults: 1,
        itemsPerPage: 1,
        startIndex: 1,
      });
      expect(found.body.Resources[0].userName).toBe("page2@example.com");
      const none = await scim("GET", `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`);
      expect(none.body).toMatchObject({ totalResults: 0, itemsPerPage: 0, Resources: [] });

      const all = await scim("GET", "/Users");
      const total = all.body.totalResults;
      expect(total).toBe(all.body.Resources.length);
      const first = await scim("GET", "/Users?startIndex=1&count=2");
      const second = await scim("GET", "/Users?startIndex=3&count=2");
      expect(first.body).toMatchObject({ totalResults: total, itemsPerPage: 2, startIndex: 1 });
      expect(second.body).toMatchObject({ totalResults: total, startIndex: 3 });
      const paged = [...first.body.Resources, ...second.body.Resources].map((u: any) => u.id);
      expect(paged).toEqual(all.body.Resources.slice(0, paged.length).map((u: any) => u.id));
    });

    test("bad list parameters and filters are 4xx", async () => {
      expect((await scim("GET", "/Users?startIndex=0")).status).toBe(422);
      expect((await scim("GET", "/Users?count=101")).status).toBe(422);
      expect((await scim("GET", "/Groups?count=abc")).status).toBe(422);
      const filter = await scim("GET", `/Users?filter=${encodeURIComponent("userName eq nobody")}`);
      expect(filter).toMatchObject({ status: 400, body: { schemas: [ERROR_SCHEMA], status: "400", scimType: "invalidFilter" } });
    });

    test("bad bodies are 4xx", async () => {
      expect((await scim("POST", "/Users", { displayName: "No user name", emails: [] })).status).toBe(422);
      expect((await scim("POST", "/Users", "not json")).status).toBe(422);
      const empty = await scim("POST", "/Users", { userName: "", displayName: "Empty", emails: [] });
      expect(empty).toMatchObject({ status: 400, body: { schemas: [ERROR_SCHEMA], scimType: "invalidValue" } });
      expect((await scim("POST", "/Groups", { members: [] })).status).toBe(422);
      const frank = await newUser("frank@example.com");
      expect((await scim("PATCH", `/Users/${frank.body.id}`, { Operations: "replace" })).status).toBe(422);
      const notText = await scim("PATCH", `/Users/${frank.body.id}`, {
        Operations: [{ op: "replace", path: "userName", value: 42 }],
      });
      expect(notText).toMatchObject({ status: 400, body: { schemas: [ERROR_SCHEMA], status: "400", scimType: "invalidValue" } });
      const group = await scim("POST", "/Groups", { displayName: "Bad input" });
      const members = await scim("PATCH", `/Groups/${group.body.id}`, {
        Operations: [{ op: "replace", path: "members", value: "everyone" }],
      });
      expect(members).toMatchObject({ status: 400, body: { scimType: "invalidValue" } });
      const removal = await scim("PATCH", `/Groups/${group.body.id}`, {
        Operations: [{ op: "remove", path: "members[value eq nobody]" }],
      });
      expect(removal).toMatchObject({ status: 400, body: { scimType: "invalidFilter" } });
      expect((await scim("PUT", "/Users/missing", { displayName: "X" })).body).toEqual({ detail: "User missing not found" });
      expect((await scim("PATCH", "/Users/missing", { Operations: [] })).status).toBe(404);
    });

    test("PATCH a user: active, name, e-mail", async () => {
      const gina = (await newUser("gina@example.com")).body;
      const deactivated = await scim("PATCH", `/Users/${gina.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [
          { op: "Replace", path: "active", value: false },
          { op: "replace", path: "name.formatted", value: "Gina Linetti" },
        ],
      });
      expect(deactivated.status).toBe(200);
      expect(deactivated.body).toMatchObject({ active: false, displayName: "Gina Linetti", name: { givenName: "Gina" } });
      const rows = await t.ctx.db.execute(`SELECT role, name FROM "user" WHERE id = '${gina.id}'`);
      expect(rows[0]).toMatchObject({ role: "pending", name: "Gina Linetti" });

      // Some identity providers send booleans as strings.
      const asString = await scim("PATCH", `/Users/${gina.id}`, { Operations: [{ op: "replace", path: "active", value: "True" }] });
      expect(asString.body.active).toBe(true);
      const stringFalse = await scim("PATCH", `/Users/${gina.id}`, { Operations: [{ op: "replace", path: "active", value: "False" }] });
      expect(stringFalse.body.active).toBe(false);

      const renamed = await scim("PATCH", `/Users/${gina.id}`, {
        Operations: [
          { op: "replace", path: "displayName", value: "G. Linetti" },
          { op: "replace", path: "emails[primary eq true].value", value: "gina@example.org" },
          { op: "add", path: "title", value: "ignored" },
        ],
      });
      expect(renamed.body).toMatchObject({ displayName: "G. Linetti", userName: "gina@example.org" });
      const taken = await scim("PATCH", `/Users/${gina.id}`, {
        Operations: [{ op: "replace", path: "userName", value: "admin@example.com" }],
      });
      expect(taken.status).toBe(409);
    });

    test("groups: create with members, list, replace, patch members, delete", async () => {
      const hank = (await newUser("hank@example.com")).body;
      const ivy = (await newUser("ivy@example.com")).body;
      const created = await scim("POST", "/Groups", {
        displayName: "Engineering",
        members: [{ value: hank.id }, { value: "not-a-user" }],
      });
      expect(created.status).toBe(201);
      const group = created.body;
      expect(group).toMatchObject({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        displayName: "Engineering",
        members: [{ value: hank.id, $ref: `http://localhost${SCIM}/Users/${hank.id}`, type: "User", display: "hank" }],
        meta: { resourceType: "Group", location: `http://localhost${SCIM}/Groups/${group.id}` },
      });
      // Written as the groups router writes groups: owned by the admin, visible to the admin panel.
      const panel = await t.request("GET", `/api/v1/groups/id/${group.id}`, { token: admin.token });
      expect(panel.body).toMatchObject({ name: "Engineering", description: "", user_id: admin.id, user_ids: [hank.id] });
      expect((await scim("GET", `/Users/${hank.id}`)).body.groups).toEqual([
        { value: group.id, display: "Engineering", $ref: `http://localhost${SCIM}/Groups/${group.id}`, type: "direct" },
      ]);

      const added = await scim("PATCH", `/Groups/${group.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: "add", path: "members", value: [{ value: ivy.id }, { value: hank.id }] }],
      });
      expect(added.body.members.map((m: any) => m.value)).toEqual([hank.id, ivy.id]);
      const removed = await scim("PATCH", `/Groups/${group.id}`, {
        Operations: [
          { op: "remove", path: `members[value eq "${hank.id}"]` },
          { op: "replace", path: "displayName", value: "Platform" },
        ],
      });
      expect(removed.body).toMatchObject({ displayName: "Platform", members: [{ value: ivy.id }] });
      const replacedMembers = await scim("PATCH", `/Groups/${group.id}`, {
        Operations: [{ op: "replace", path: "members", value: [{ value: hank.id }] }],
      });
      expect(replacedMembers.body.members.map((m: any) => m.value)).toEqual([hank.id]);

      const put = await scim("PUT", `/Groups/${group.id}`, { members: [] });
      expect(put.body).toMatchObject({ displayName: "Platform", members: [] });
      const renamed = await scim("PUT", `/Groups/${group.id}`, { displayName: "Core" });
      expect(renamed.body.displayName).toBe("Core");

      await scim("POST", "/Groups", { displayName: "Second" });
      await scim("POST", "/Groups", { displayName: "Third" });
      const all = await scim("GET", "/Groups");
      expect(all.body).toMatchObject({ totalResults: all.body.Resources.length, startIndex: 1 });
      const page = await scim("GET", "/Groups?startIndex=2&count=1");
      expect(page.body).toMatchObject({ totalResults: all.body.totalResults, itemsPerPage: 1, startIndex: 2 });
      expect(page.body.Resources[0].id).toBe(all.body.Resources[1].id);

      expect((await scim("DELETE", `/Groups/${group.id}`)).status).toBe(204);
      const gone = await scim("GET", `/Groups/${group.id}`);
      expect(gone).toMatchObject({ status: 404, body: { detail: `Group ${group.id} not found` } });
      expect((await scim("PATCH", `/Groups/${group.id}`, { Operations: [] })).status).toBe(404);
      expect((await scim("PUT", `/Groups/${group.id}`, {})).status).toBe(404);
    });

    test("deleting a user removes it from its groups", async () => {
      const jack = (await newUser("jack@example.com")).body;
      const group = (await scim("POST", "/Groups", { displayName: "Jack's", members: [{ value: jack.id }] })).body;
      expect((await scim("DELETE", `/Users/${jack.id}`)).status).toBe(204);
      const panel = await t.request("GET", `/api/v1/groups/id/${group.id}`, { token: admin.token });
      expect(panel.body.user_ids).toEqual([]);
    });
  });

  describe(`${dialect}: SCIM off`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect, { SCIM_TOKEN: TOKEN });
    });
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("every route is absent", async () => {
      for (const [method, path] of [["GET", "/ServiceProviderConfig"], ...PROTECTED] as [string, string][]) {
        const res = await t.request(method, `${SCIM}${path}`, { token: TOKEN, body: method === "GET" || method === "DELETE" ? undefined : {} });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      }
    });
  });
}

describe("a group needs an admin to own it", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp("sqlite", { SCIM_ENABLED: "true", SCIM_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await t.close();
    await t.database.drop();
  });

  test("without any admin, creating a group is refused", async () => {
    const res = await t.request("POST", `${SCIM}/Groups`, { token: TOKEN, body: { displayName: "Orphans" } });
    expect(res).toMatchObject({ status: 409, body: { detail: "No admin user found" } });
  });
});
