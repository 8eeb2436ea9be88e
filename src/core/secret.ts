// The signing secret: WEBUI_SECRET_KEY, else a key file (created once with a random value).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { ConfigError, type Env } from "./env";

export function resolveSecretKey(env: Pick<Env, "secretKey" | "secretKeyFile" | "webuiAuth">): string {
  if (env.secretKey !== undefined) {
    if (env.secretKey === "" && env.webuiAuth) {
      throw new ConfigError("WEBUI_SECRET_KEY", "is empty; set a secret or unset it to use the key file");
    }
    return env.secretKey;
  }
  const file = env.secretKeyFile;
  if (existsSync(file)) {
    const key = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    if (!key) throw new ConfigError("WEBUI_SECRET_KEY_FILE", `${file} is empty`);
    return key;
  }
  // Same form as Open WebUI's start script: base64 of 12 random bytes.
  const key = randomBytes(12).toString("base64");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return key;
}
