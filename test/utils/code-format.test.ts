// POST /api/v1/utils/code/format: black's formatting in the Python runner (the admin's function
// and tool editors save through it).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { pythonAvailable, pythonEnv } from "../support/python";

describe.skipIf(!pythonAvailable)("code formatting", () => {
  let t: TestApp;
  let admin: Account;
  let alice: Account;
  beforeAll(async () => {
    t = await startTestApp("sqlite", pythonEnv);
    admin = await signUp(t, "admin@example.com", "pw", "Admin");
    alice = await addUser(t, admin, "alice@example.com");
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await t.database.drop();
  });
  const format = (code: unknown, token = admin.token) => t.request("POST", "/api/v1/utils/code/format", { token, body: { code } });

  test("code comes back formatted; formatted code comes back as it was", async () => {
    expect((await format("x=( 1,2 )\ndef f( a ):\n  return a")).body).toEqual({ code: "x = (1, 2)\n\n\ndef f(a):\n    return a\n" });
    expect((await format("x = 1\n")).body).toEqual({ code: "x = 1\n" });
  }, 60_000);

  test("code black cannot parse is a 400 with its message", async () => {
    const res = await format("def f(:\n");
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/^cannot parse: 1:6/i);
  });

  test("only admins; a body without code is refused", async () => {
    expect((await format("x = 1", alice.token)).status).toBe(401);
    expect((await t.request("POST", "/api/v1/utils/code/format", { body: { code: "x" } })).status).toBe(401);
    expect((await t.request("POST", "/api/v1/utils/code/format", { token: admin.token, body: {} })).status).toBe(422);
  });
});
