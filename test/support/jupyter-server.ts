// A real Jupyter server for the code execution tests. JUPYTER_COMMAND names a `jupyter`
// executable (e.g. of a venv with jupyter_server and ipykernel): the tests start a throwaway
// server on a loopback port that takes both a token and a password. JUPYTER_URL (with
// JUPYTER_TOKEN) points at a running server instead; the password tests are then skipped.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const command = process.env.JUPYTER_COMMAND ?? "";
const givenUrl = process.env.JUPYTER_URL ?? "";
export const jupyterAvailable = Boolean(command || givenUrl);
if (!jupyterAvailable) console.warn("neither JUPYTER_COMMAND nor JUPYTER_URL is set: the Jupyter code execution tests are skipped");

export interface JupyterServer {
  url: string;
  token: string;
  /** Null for a server we did not start (JUPYTER_URL). */
  password: string | null;
  /** The ids of the kernels running now. */
  kernels(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startJupyterServer(): Promise<JupyterServer> {
  if (!command) return existingServer(givenUrl.replace(/\/+$/, ""), process.env.JUPYTER_TOKEN ?? "");
  const dir = mkdtempSync(join(tmpdir(), "owb-jupyter-"));
  const port = freePort();
  const token = crypto.randomUUID();
  const password = "open-sesame";
  const child = Bun.spawn(
    [
      command,
      "server",
      "--no-browser",
      "--allow-root",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--ServerApp.port_retries=0",
      `--ServerApp.root_dir=${dir}`,
      `--ServerApp.token=${token}`,
      `--PasswordIdentityProvider.hashed_password=${hashedPassword(password)}`,
    ],
    {
      cwd: dir,
      env: { ...process.env, JUPYTER_RUNTIME_DIR: join(dir, "runtime"), JUPYTER_DATA_DIR: join(dir, "data"), JUPYTER_CONFIG_DIR: join(dir, "config") },
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilItAnswers(url, token, child);
  } catch (error) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...existingServer(url, token),
    password,
    stop: async () => {
      child.kill();
      await child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function existingServer(url: string, token: string): JupyterServer {
  return {
    url,
    token,
    password: null,
    kernels: async () => {
      const res = await fetch(`${url}/api/kernels?token=${encodeURIComponent(token)}`);
      return ((await res.json()) as { id: string }[]).map((kernel) => kernel.id);
    },
    stop: async () => {},
  };
}

/** Jupyter's "<algorithm>:<salt>:<hex digest of password + salt>" form. */
function hashedPassword(password: string): string {
  const salt = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  return `sha256:${salt}:${new Bun.CryptoHasher("sha256").update(password + salt).digest("hex")}`;
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

async function untilItAnswers(url: string, token: string, child: Bun.Subprocess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`jupyter server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/status?token=${encodeURIComponent(token)}`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  throw new Error("jupyter server did not start");
}
