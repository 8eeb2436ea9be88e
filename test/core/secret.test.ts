import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/core/env";
import { resolveSecretKey } from "../../src/core/secret";

const dir = () => mkdtempSync(join(tmpdir(), "owb-secret-"));

describe("secret key", () => {
  test("WEBUI_SECRET_KEY wins", () => {
    expect(resolveSecretKey({ secretKey: "abc", secretKeyFile: join(dir(), "k"), webuiAuth: true })).toBe("abc");
  });

  test("without it, a key file is created once, owner-only, and reused", () => {
    const file = join(dir(), ".webui_secret_key");
    const first = resolveSecretKey({ secretKey: undefined, secretKeyFile: file, webuiAuth: true });
    expect(first).toHaveLength(16);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe(`${first}\n`);
    expect(resolveSecretKey({ secretKey: undefined, secretKeyFile: file, webuiAuth: true })).toBe(first);
  });

  test("an existing key file (as Open WebUI writes it) is read without its newline", () => {
    const file = join(dir(), "key");
    writeFileSync(file, "python-made-key\n");
    expect(resolveSecretKey({ secretKey: undefined, secretKeyFile: file, webuiAuth: true })).toBe("python-made-key");
  });

  test("an empty secret is refused while authentication is on", () => {
    expect(() => resolveSecretKey({ secretKey: "", secretKeyFile: join(dir(), "k"), webuiAuth: true })).toThrow(ConfigError);
  });
});
