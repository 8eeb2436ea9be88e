// The single executable, built with package.json's own build command, run from a folder that has
// nothing of this repository: it reads .env there, creates its database, serves (including the
// parts it loads on first use), and stops on SIGTERM.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import packageJson from "../../package.json";
import { makeDocx, makePdf } from "../support/documents";

const root = join(import.meta.dir, "..", "..");
const buildDir = mkdtempSync(join(tmpdir(), "owb-build-"));
const executable = join(buildDir, "open-webui-bun");

beforeAll(async () => {
  const command = packageJson.scripts.build.split(/\s+/);
  const outfile = command.indexOf("--outfile");
  expect(outfile).toBeGreaterThan(0);
  command[outfile + 1] = executable;
  const build = Bun.spawn(command, { cwd: root, stdout: "ignore", stderr: "pipe" });
  if ((await build.exited) !== 0) throw new Error(await new Response(build.stderr).text());
  // Two builds and two recorded starts (scripts/build.ts).
}, 120_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port as number;
  await probe.stop(true);
  return port;
}

async function waitForHealth(url: string, child: Bun.Subprocess<"ignore", "pipe", "pipe">, deadlineMs = 15_000) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    await Bun.sleep(10);
  }
  if (child.exitCode === null) child.kill("SIGKILL");
  throw new Error(`no answer from ${url} (exit ${await child.exited}): ${await new Response(child.stderr).text()}`);
}

describe("executable", () => {
  test("runs from an unrelated folder with its .env, embeds its text assets, exits 0 on SIGTERM", async () => {
    const folder = mkdtempSync(join(tmpdir(), "owb-run-"));
    const port = await freePort();
    writeFileSync(
      join(folder, ".env"),
      [`PORT=${port}`, "HOST=127.0.0.1", "DATA_DIR=./state", "WEBUI_SECRET_KEY=from-dotenv", 'WEBUI_NAME="Dotenv Name"', ""].join("\n"),
    );
    // A bunfig.toml in the working directory must not run code inside the server.
    writeFileSync(join(folder, "preload.ts"), `require("node:fs").writeFileSync(${JSON.stringify(join(folder, "preloaded"))}, "")`);
    writeFileSync(join(folder, "bunfig.toml"), 'preload = ["./preload.ts"]\n');

    const child = Bun.spawn([executable], {
      cwd: folder,
      stdin: "ignore",
      // Only the environment a service manager would give; a real variable beats the .env file.
      env: { PATH: "/usr/bin:/bin", WEBUI_NAME: "Real Name" },
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url, child);
      expect(existsSync(join(folder, "state", "webui.db"))).toBe(true);
      // The secret came from .env, so no key file was generated.
      expect(existsSync(join(folder, "state", ".webui_secret_key"))).toBe(false);
      expect(existsSync(join(folder, "preloaded"))).toBe(false);

      const config = (await (await fetch(`${url}/api/config`)).json()) as { name: string; onboarding?: boolean };
      expect(config.name).toBe("Real Name (Open WebUI)");
      expect(config.onboarding).toBe(true);
      const changelog = (await (await fetch(`${url}/api/changelog`)).json()) as Record<string, unknown>;
      expect(Object.keys(changelog).length).toBeGreaterThan(0);

      // Text extraction loads its libraries on first use: those parts must be inside.
      const signup = await fetch(`${url}/api/v1/auths/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Admin", email: "admin@example.com", password: "password-1" }),
      });
      const { token } = (await signup.json()) as { token: string };
      const documents: [File, string][] = [
        [new File([makePdf(["Okapis live in forests."])], "a.pdf", { type: "application/pdf" }), "Okapis"],
        [
          new File([await makeDocx(["Otters hold hands."])], "b.docx", {
            type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          }),
          "Otters",
        ],
        [new File(["animal,home\nheron,river\n"], "c.csv", { type: "text/csv" }), "animal: heron"],
        [new File(["<html><body><p>Herons <b>wade</b>.</p></body></html>"], "d.html", { type: "text/html" }), "Herons wade."],
      ];
      for (const [file, text] of documents) {
        const form = new FormData();
        form.append("file", file);
        const response = await fetch(`${url}/api/v1/files/?process_in_background=false`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
        const uploaded = (await response.json()) as { data: { status: string; content: string } };
        expect(uploaded.data.status).toBe("completed");
        expect(uploaded.data.content).toContain(text);
      }
    } finally {
      child.kill("SIGTERM");
    }
    expect(await child.exited).toBe(0);
    rmSync(folder, { recursive: true, force: true });
  }, 30_000);
});
