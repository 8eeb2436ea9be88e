import { describe, expect, test } from "bun:test";
import { parseDuration, signToken, verifyToken } from "../../src/core/jwt";

// Minted by the Python 0.6.32 backend (PyJWT) at sign-up, with WEBUI_SECRET_KEY below.
const PYTHON_SECRET = "reference-secret-key-for-tests";
const PYTHON_TOKEN =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6ImZlMDlkZDM3LWVhMzItNDc3MC1hYjdkLWM5MDU5OGM4N2UwMCJ9.W4eJ7t1K8jhBnPy5WQkIHLOapHp7Nv0o0k3UEkg03jA";

describe("tokens", () => {
  test("a token made by the Python backend verifies", () => {
    expect(verifyToken(PYTHON_TOKEN, PYTHON_SECRET)).toEqual({ id: "fe09dd37-ea32-4770-ab7d-c90598c87e00" });
  });

  test("ours are byte for byte what PyJWT makes for the same payload", () => {
    expect(signToken({ id: "fe09dd37-ea32-4770-ab7d-c90598c87e00" }, PYTHON_SECRET)).toBe(PYTHON_TOKEN);
  });

  test("a wrong secret, a tampered payload or a missing id fails", () => {
    expect(verifyToken(PYTHON_TOKEN, "other")).toBeNull();
    const [h, , s] = PYTHON_TOKEN.split(".");
    const forged = Buffer.from(JSON.stringify({ id: "someone-else" })).toString("base64url");
    expect(verifyToken(`${h}.${forged}.${s}`, PYTHON_SECRET)).toBeNull();
    expect(verifyToken(signToken({ sub: "x" } as never, "k"), "k")).toBeNull();
    expect(verifyToken("not.a.token", "k")).toBeNull();
    expect(verifyToken("", "k")).toBeNull();
  });

  test("expiry is honoured, and absent expiry means never", () => {
    const now = 1_800_000_000;
    expect(verifyToken(signToken({ id: "u", exp: now + 10 }, "k"), "k", now)).not.toBeNull();
    expect(verifyToken(signToken({ id: "u", exp: now }, "k"), "k", now)).toBeNull();
    expect(verifyToken(signToken({ id: "u" }, "k"), "k", now * 2)).not.toBeNull();
  });

  test("a token signed with another algorithm is refused", () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(JSON.stringify({ id: "u" })).toString("base64url");
    expect(verifyToken(`${header}.${body}.`, "k")).toBeNull();
  });

  test("JWT_EXPIRES_IN durations", () => {
    expect(parseDuration("-1")).toBeNull();
    expect(parseDuration("0")).toBeNull();
    expect(parseDuration("4w")).toBe(4 * 604800);
    expect(parseDuration("168h")).toBe(168 * 3600);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("1.5h")).toBe(5400);
    expect(parseDuration("500ms")).toBe(0.5);
    expect(parseDuration("soon")).toBeUndefined();
  });
});
