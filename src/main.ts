// The executable's entry: `open-webui-bun [--host H] [--port P]`. Configuration comes from the
// environment (and a .env file in the working directory), with Open WebUI's variable names.
import { ConfigError } from "./core/env";
import { DatabaseStateError } from "./db/bootstrap";
import { startServer } from "./server";
import { VERSION } from "./system/version";

const USAGE = `open-webui-bun — a backend for Open WebUI ${VERSION}

Usage: open-webui-bun [--host HOST] [--port PORT]

Settings come from environment variables with Open WebUI's names (PORT, DATA_DIR,
DATABASE_URL, WEBUI_SECRET_KEY, ...) and from a .env file in the working directory.`;

function parseArgs(argv: string[]): { host?: string; port?: string } | "help" | "version" {
  const options: { host?: string; port?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return "help";
    if (arg === "--version" || arg === "-v") return "version";
    if (arg === "--host" || arg === "--port") {
      const value = argv[++i];
      if (value === undefined) throw new ConfigError(arg, "needs a value");
      options[arg === "--host" ? "host" : "port"] = value;
    } else if (arg !== "serve") {
      throw new ConfigError(String(arg), "unknown argument (see --help)");
    }
  }
  return options;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args === "help") return console.log(USAGE);
  if (args === "version") return console.log(VERSION);
  const source = { ...process.env };
  if (args.host) source.HOST = args.host;
  if (args.port) source.PORT = args.port;

  const started = performance.now();
  const running = await startServer({ source });
  // The executable starts with the JIT reluctant (package.json's build: --compile-jit-policy), so
  // code that runs only while starting is not compiled; requests get the normal JIT from here on.
  Bun.unsafe.setJITPolicy(1);
  running.ctx.log.info(`listening on ${running.url} (ready in ${Math.round(performance.now() - started)} ms)`);

  const shutdown = async (signal: string) => {
    running.ctx.log.info(`${signal} received, shutting down`);
    await running.stop();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error) => {
  if (error instanceof ConfigError || error instanceof DatabaseStateError) {
    console.error(`open-webui-bun: cannot start: ${error.message}`);
  } else {
    console.error(`open-webui-bun: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
