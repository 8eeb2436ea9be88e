// What the numbers were measured on.
import { existsSync, readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  os: string;
  bun: string;
}

export function describeMachine(): Machine {
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(osRelease)?.[1] ?? process.platform;
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${pretty}, kernel ${release()}`,
    bun: Bun.version,
  };
}
