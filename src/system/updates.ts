// GET /api/version/updates: the newest Open WebUI release, as main.py asks GitHub for it. Asked
// at most once an hour (every five minutes after a failure), and never waited on for more than a
// second: a slow or unreachable release server makes the answer "current", not a slow page.
import type { Source } from "../core/env";
import type { Logger } from "../core/logger";
import { VERSION } from "./version";

export const DEFAULT_RELEASES_URL = "https://api.github.com/repos/open-webui/open-webui/releases/latest";

/** ENABLE_VERSION_UPDATE_CHECK (default true), which OFFLINE_MODE turns off. */
export function updateCheckEnabled(raw: Source): boolean {
  if ((raw.OFFLINE_MODE ?? "false").toLowerCase() === "true") return false;
  return (raw.ENABLE_VERSION_UPDATE_CHECK ?? "true").toLowerCase() === "true";
}

export interface ReleaseCheckerOptions {
  url: string;
  /** How long a request waits for a check under way before answering the current version. */
  answerWithinMs?: number;
  /** How long a check may run at all. */
  fetchTimeoutMs?: number;
  successTtlMs?: number;
  failureTtlMs?: number;
  log?: Logger;
}

export class ReleaseChecker {
  private latest: string | null = null;
  private nextCheckAt = 0;
  private running: Promise<void> | null = null;

  constructor(private readonly options: ReleaseCheckerOptions) {}

  /** The latest release's version, or the last one known, or the current version. */
  async latestVersion(): Promise<string> {
    if (Date.now() >= this.nextCheckAt) {
      this.running ??= this.check().finally(() => {
        this.running = null;
      });
      await settleWithin(this.running, this.options.answerWithinMs ?? 1000);
    }
    return this.latest ?? VERSION;
  }

  private async check(): Promise<void> {
    try {
      const response = await fetch(this.options.url, {
        headers: { accept: "application/vnd.github+json", "user-agent": `open-webui-bun/${VERSION}` },
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 5000),
        redirect: "follow",
      });
      if (!response.ok) throw new Error(`release server answered ${response.status}`);
      const body = (await response.json()) as { tag_name?: unknown };
      const tag = typeof body?.tag_name === "string" ? body.tag_name.trim().replace(/^v/, "") : "";
      if (!/^[0-9A-Za-z.+-]{1,64}$/.test(tag)) throw new Error("release has no usable tag_name");
      this.latest = tag;
      this.nextCheckAt = Date.now() + (this.options.successTtlMs ?? 3_600_000);
    } catch (error) {
      this.options.log?.debug("version update check failed", error);
      this.nextCheckAt = Date.now() + (this.options.failureTtlMs ?? 300_000);
    }
  }
}

/** Waits for `work` at most `ms`; never rejects. */
async function settleWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([work.catch(() => {}), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
