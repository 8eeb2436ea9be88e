// The Python that runs functions and tools in tests: FUNCTIONS_PYTHON, or `python3` when it has
// pydantic 2. Without either, the tests that run plugin code are skipped (CI always sets it).
function hasPydantic(python: string): boolean {
  try {
    const probe = Bun.spawnSync({ cmd: [python, "-c", "import pydantic, sys; sys.exit(0 if pydantic.VERSION >= '2' else 1)"] });
    return probe.exitCode === 0;
  } catch {
    return false;
  }
}

const chosen = process.env.FUNCTIONS_PYTHON || (hasPydantic("python3") ? "python3" : "");
export const functionsPython = chosen;
export const pythonAvailable = Boolean(chosen);
if (!pythonAvailable) console.warn("no Python with pydantic 2 (FUNCTIONS_PYTHON): the tests that run functions and tools are skipped");

/** The environment an app needs to run plugins with that Python. */
export const pythonEnv: Record<string, string> = chosen ? { FUNCTIONS_PYTHON: chosen } : {};
