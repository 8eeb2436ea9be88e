// Fernet tokens must round-trip with Python's `cryptography` (the Python backend reads our rows).
import { expect, test } from "bun:test";
import { Fernet } from "../../src/core/fernet";

// Made by cryptography 48 with the key base64url(sha256("test-secret-key")).
const FROM_PYTHON =
  "gAAAAABrAuLUZbuYOWy4E9IDsNT5qD8b3hQKL0USfZx7IkSmj2DyFt0mTEshtkI5tU-1_akAa6lqFchnVmfYw7ofR9Y6Ff3ECA==";

test("decrypts a token made by Python, with a derived key", () => {
  expect(new Fernet("test-secret-key").decrypt(FROM_PYTHON)).toBe('{"b": 2}');
});

test("round-trips, uses a 44-character key as is, and refuses tampering or the wrong key", () => {
  const key = Buffer.alloc(32, 7).toString("base64url") + "=";
  const f = new Fernet(key);
  const token = f.encrypt("hello");
  expect(token.startsWith("gAAAAA")).toBe(true);
  expect(f.decrypt(token)).toBe("hello");
  expect(() => new Fernet("other").decrypt(token)).toThrow();
  const bytes = Buffer.from(token, "base64url");
  bytes[30] = (bytes[30] ?? 0) ^ 1;
  expect(() => f.decrypt(bytes.toString("base64url"))).toThrow();
});
