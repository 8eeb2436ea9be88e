// The entry point as a real process: bad settings stop it with one line, SIGTERM stops it cleanly.
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const entry = join(import.meta.dir, "..", "..", "src", "main.ts");

function spawnServer(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "owb-proc-"));
  return Bun.spawn(["bun", entry], {
    cwd: dataDir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dataDir, DATA_DIR: dataDir, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
}

async function waitForHealth(url: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    await Bun.sleep(20);
  }
  throw new Error(`no answer from ${url}`);
}

describe("process", () => {
  test.each([
    [{ PORT: "abc" }, "PORT"],
    [{ DATABASE_URL: "mysql://root@db/webui" }, "DATABASE_URL"],
    [{ GLOBAL_LOG_LEVEL: "CHATTY" }, "GLOBAL_LOG_LEVEL"],
  ])("a bad setting stops startup with one line naming it (%p)", async (env, name) => {
    const child = spawnServer(env);
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(stderr).not.toContain("    at ");
  });

  test("it serves, then exits 0 on SIGTERM", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawnServer({ PORT: String(port), HOST: "127.0.0.1", WEBUI_SECRET_KEY: "k" });
    await waitForHealth(`http://127.0.0.1:${port}`);
    const config = (await (await fetch(`http://127.0.0.1:${port}/api/config`)).json()) as { onboarding?: boolean };
    expect(config.onboarding).toBe(true);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  });
});
