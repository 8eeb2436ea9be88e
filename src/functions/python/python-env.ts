// Which Python runs functions and tools. FUNCTIONS_PYTHON names one (it needs pydantic 2);
// otherwise a virtual environment is made once in the cache folder from `python3`, with pydantic
// and black (the code editor formats through it); plugins' requirements are installed into it.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Env } from "../../core/env";
import { cacheDir } from "../../core/env";

export class PythonUnavailable extends Error {}

const creating = new Map<string, Promise<string>>();

export function pythonFor(env: Pick<Env, "raw" | "dataDir">): Promise<string> {
  const chosen = env.raw.FUNCTIONS_PYTHON?.trim();
  if (chosen) return Promise.resolve(chosen);
  const dir = join(cacheDir(env), "functions", "venv");
  const python = join(dir, "bin", "python");
  if (existsSync(python)) return Promise.resolve(python);
  let pending = creating.get(dir);
  if (!pending) {
    pending = createVenv(dir).finally(() => creating.delete(dir));
    creating.set(dir, pending);
  }
  return pending;
}

async function run(cmd: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const child = Bun.spawn({ cmd, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    return { ok: code === 0, output: `${out}\n${err}`.trim() };
  } catch (error) {
    return { ok: false, output: error instanceof Error ? error.message : String(error) };
  }
}

/** Made beside its final place and moved there whole, so a half-made one is never used. */
async function createVenv(dir: string): Promise<string> {
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(join(dir, ".."), { recursive: true });
  const made = await run(["python3", "-m", "venv", building]);
  if (!made.ok) {
    rmSync(building, { recursive: true, force: true });
    throw new PythonUnavailable(`Python 3 with venv is needed to run functions and tools (or set FUNCTIONS_PYTHON): ${lastLine(made.output)}`);
  }
  const pip = await run([join(building, "bin", "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "pydantic>=2", "black"]);
  if (!pip.ok) {
    rmSync(building, { recursive: true, force: true });
    throw new PythonUnavailable(`Could not install pydantic and black for functions and tools: ${lastLine(pip.output)}`);
  }
  if (!existsSync(dir)) renameSync(building, dir);
  else rmSync(building, { recursive: true, force: true });
  return join(dir, "bin", "python");
}

function lastLine(text: string): string {
  return text.split("\n").filter(Boolean).at(-1) ?? "failed";
}
