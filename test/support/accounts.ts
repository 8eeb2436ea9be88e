// Accounts made through the API, as the frontend makes them.
import { expect } from "bun:test";
import type { TestApp } from "./app";

export interface Account {
  id: string;
  token: string;
  email: string;
  role: string;
}

export async function signUp(t: TestApp, email: string, password = "secret-pass", name = "Someone"): Promise<Account> {
  const res = await t.request("POST", "/api/v1/auths/signup", { body: { name, email, password } });
  expect(res.status).toBe(200);
  return { id: res.body.id, token: res.body.token, email: res.body.email, role: res.body.role };
}

/** An admin-created account (role given), signed in with its password. */
export async function addUser(t: TestApp, admin: Account, email: string, role = "user", password = "user-pass"): Promise<Account> {
  const res = await t.request("POST", "/api/v1/auths/add", {
    token: admin.token,
    body: { name: email.split("@")[0], email, password, role },
  });
  expect(res.status).toBe(200);
  return { id: res.body.id, token: res.body.token, email: res.body.email, role: res.body.role };
}
