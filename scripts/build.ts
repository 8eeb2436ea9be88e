// `bun run build` (`bun scripts/build.ts --outfile dist/open-webui-bun`): writes the executable,
// in two passes.
//
// The first build is started once on a scratch data folder with BUN_BYTECODE_ORDER_OUT, which
// records the functions a start runs. The second build (--bytecode-order) lays their bytecode out
// together at the front of the executable, so a start reads, and keeps resident, far fewer pages
// of it. If the recording start fails, the first build is kept and a warning says so.
//
// --compile-jit-policy makes the JIT reluctant while the server starts (run-once code then stays
// uncompiled); src/main.ts sets the normal policy back once the server listens.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = join(import.meta.dir, "..");
const { values: args } = parseArgs({ options: { outfile: { type: "string", default: "dist/open-webui-bun" } } });
const outfile = resolve(root, args.outfile);
const BUILD_FLAGS = [
  "--compile",
  "--bytecode",
  "--format=esm",
  "--splitting",
  "--minify",
  "--sourcemap",
  "--compile-jit-policy=100",
  "--compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
];
const START_TIMEOUT_MS = 30_000;

async function build(extraFlags: string[] = []) {
  const command = ["bun", "build", "src/main.ts", "src/chats/chat-worker.ts", ...BUILD_FLAGS, ...extraFlags, "--outfile", outfile];
  const proc = Bun.spawn(command, { cwd: root, stdout: "inherit", stderr: "inherit" });
  if ((await proc.exited) !== 0) process.exit(1);
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port as number;
  await probe.stop(true);
  return port;
}

/**
 * Starts the executable on `dataDir` (from that folder, so no .env of the checkout is read) until
 * /health answers, then stops it; the order file is written as it exits.
 */
async function recordStart(dataDir: string, orderFile: string): Promise<void> {
  const port = await freePort();
  const proc = Bun.spawn([outfile], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      ENV: "prod",
      GLOBAL_LOG_LEVEL: "WARNING",
      WEBUI_SECRET_KEY: "bytecode-order-recording",
      BUN_BYTECODE_ORDER_OUT: orderFile,
    },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    while (!(await answers(`http://127.0.0.1:${port}/health`))) {
      if (proc.exitCode !== null) throw new Error(`exited with ${proc.exitCode}: ${await new Response(proc.stderr).text()}`);
      if (Date.now() > deadline) throw new Error(`no answer within ${START_TIMEOUT_MS} ms`);
      await Bun.sleep(10);
    }
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
  if (!(await Bun.file(orderFile).exists())) throw new Error("no order file was written");
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

await build();
const scratch = mkdtempSync(join(tmpdir(), "owb-build-"));
try {
  // A start that creates the database, then one that opens it (the usual start comes first).
  const created = join(scratch, "created.order");
  const opened = join(scratch, "opened.order");
  await recordStart(scratch, created);
  await recordStart(scratch, opened);
  await build([`--bytecode-order=${opened},${created}`]);
} catch (error) {
  console.warn(`build: recording a start failed (${(error as Error).message}); the executable keeps its default bytecode layout`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
