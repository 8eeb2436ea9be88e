// Running Python on a Jupyter server (utils/code_interpreter.py of the reference), for
// POST /api/v1/utils/code/execute and the chat code interpreter's `jupyter` engine: sign in (a
// token in the query, or the password login form with its _xsrf cookie), start a kernel over the
// REST API, send one execute_request on the kernel's websocket, gather what the kernel answers
// until it is idle again, and shut the kernel down. Failures never throw: they become the
// result's stderr, "Error: …", as the reference reports them. The server's URL is admin config.

export interface JupyterSettings {
  url: string;
  /** Used when set; otherwise the password (if any) signs in through the login form. */
  token?: string | null;
  password?: string | null;
  /** Seconds to wait for each message of the kernel (the reference's per-receive limit). */
  timeoutSeconds?: number | null;
}

export interface CodeResult {
  stdout: string;
  stderr: string;
  result: string;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
const CONNECT_TIMEOUT_MS = 15_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;

class JupyterError extends Error {}

/** Who we are to the server: the token query parameter, or cookies plus the XSRF header. */
interface Credentials {
  query: URLSearchParams;
  cookies: Map<string, string>;
  headers: Record<string, string>;
}

export async function executeCodeJupyter(settings: JupyterSettings, code: string): Promise<CodeResult> {
  const timeoutMs = (settings.timeoutSeconds && settings.timeoutSeconds > 0 ? settings.timeoutSeconds : DEFAULT_TIMEOUT_SECONDS) * 1000;
  let base: URL;
  let credentials: Credentials | null = null;
  let kernelId: string | null = null;
  try {
    base = baseUrl(settings.url);
    credentials = await signIn(base, settings, timeoutMs);
    kernelId = await startKernel(base, credentials, timeoutMs);
    return await runOnKernel(base, credentials, kernelId, code, timeoutMs);
  } catch (error) {
    return { stdout: "", stderr: `Error: ${error instanceof Error ? error.message : String(error)}`, result: "" };
  } finally {
    if (kernelId && credentials) await shutDownKernel(base!, credentials, kernelId);
  }
}

function baseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.endsWith("/") ? url : `${url}/`);
  } catch {
    throw new JupyterError(`Invalid Jupyter URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new JupyterError("The Jupyter URL must start with http:// or https://");
  return parsed;
}

function endpoint(base: URL, path: string, credentials: Credentials): URL {
  const url = new URL(path, base);
  for (const [key, value] of credentials.query) url.searchParams.set(key, value);
  return url;
}

function requestHeaders(credentials: Credentials, extra: Record<string, string> = {}): Record<string, string> {
  const cookie = [...credentials.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  return { ...credentials.headers, ...(cookie ? { cookie } : {}), ...extra };
}

/** aiohttp's raise_for_status wording, without the query (it may hold the token). */
function failure(response: Response, url: URL): JupyterError {
  return new JupyterError(`${response.status}, message='${response.statusText}', url='${url.origin}${url.pathname}'`);
}

async function call(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "timed out" : error instanceof Error ? error.message : String(error);
    throw new JupyterError(`Cannot connect to ${url.origin}: ${reason}`);
  }
}

function keepCookies(response: Response, credentials: Credentials): void {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(";", 1)[0] ?? "";
    const at = pair.indexOf("=");
    if (at > 0) credentials.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
  }
}

async function signIn(base: URL, settings: JupyterSettings, timeoutMs: number): Promise<Credentials> {
  const credentials: Credentials = { query: new URLSearchParams(), cookies: new Map(), headers: {} };
  if (settings.token) {
    credentials.query.set("token", settings.token);
    return credentials;
  }
  if (!settings.password) return credentials;
  const loginUrl = new URL("login", base);
  const page = await call(loginUrl, {}, timeoutMs);
  await page.body?.cancel();
  if (!page.ok) throw failure(page, loginUrl);
  keepCookies(page, credentials);
  const xsrf = credentials.cookies.get("_xsrf");
  if (!xsrf) throw new JupyterError("_xsrf token not found");
  credentials.headers["X-XSRFToken"] = xsrf;
  const form = new URLSearchParams({ _xsrf: xsrf, password: settings.password });
  const login = await call(loginUrl, { method: "POST", body: form, headers: requestHeaders(credentials) }, timeoutMs);
  await login.body?.cancel();
  if (login.status >= 400) throw failure(login, loginUrl);
  keepCookies(login, credentials);
  return credentials;
}

async function startKernel(base: URL, credentials: Credentials, timeoutMs: number): Promise<string> {
  const url = endpoint(base, "api/kernels", credentials);
  const response = await call(url, { method: "POST", headers: requestHeaders(credentials) }, timeoutMs);
  if (!response.ok) {
    await response.body?.cancel();
    throw failure(response, url);
  }
  const kernel = (await response.json().catch(() => null)) as { id?: unknown } | null;
  if (typeof kernel?.id !== "string" || !kernel.id) throw new JupyterError("Jupyter did not answer with a kernel id");
  return kernel.id;
}

async function shutDownKernel(base: URL, credentials: Credentials, kernelId: string): Promise<void> {
  const url = endpoint(base, `api/kernels/${encodeURIComponent(kernelId)}`, credentials);
  try {
    const response = await fetch(url, { method: "DELETE", headers: requestHeaders(credentials), signal: AbortSignal.timeout(SHUTDOWN_TIMEOUT_MS) });
    await response.body?.cancel();
  } catch {
    // The kernel is the Jupyter server's to reap once it idles out; the answer is already known.
  }
}

function openChannels(base: URL, credentials: Credentials, kernelId: string): Promise<WebSocket> {
  const url = endpoint(base, `api/kernels/${encodeURIComponent(kernelId)}/channels`, credentials);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url.href, { headers: requestHeaders(credentials) });
    } catch (error) {
      reject(new JupyterError(`Cannot open the kernel's channels: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    const timer = setTimeout(() => {
      socket.close();
      reject(new JupyterError("Cannot open the kernel's channels: timed out"));
    }, CONNECT_TIMEOUT_MS);
    socket.addEventListener("open", () => (clearTimeout(timer), resolve(socket)), { once: true });
    socket.addEventListener("error", () => (clearTimeout(timer), reject(new JupyterError("Cannot open the kernel's channels"))), { once: true });
  });
}

function executeRequest(msgId: string, code: string): string {
  return JSON.stringify({
    header: { msg_id: msgId, msg_type: "execute_request", username: "user", session: crypto.randomUUID().replaceAll("-", ""), date: "", version: "5.3" },
    parent_header: {},
    metadata: {},
    content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
    channel: "shell",
  });
}

/** What the kernel said in answer to our request, as the reference gathers it. */
class Transcript {
  stdout = "";
  stderr = "";
  results: string[] = [];

  /** Takes one message; true once the kernel is idle again. */
  take(message: any): boolean {
    const content = message?.content ?? {};
    switch (message?.msg_type ?? message?.header?.msg_type) {
      case "stream":
        if (content.name === "stdout") this.stdout += String(content.text ?? "");
        else if (content.name === "stderr") this.stderr += String(content.text ?? "");
        return false;
      case "execute_result":
      case "display_data": {
        const data = content.data ?? {};
        if (typeof data["image/png"] === "string") this.results.push(`data:image/png;base64,${data["image/png"]}`);
        else if (typeof data["text/plain"] === "string") this.results.push(data["text/plain"]);
        return false;
      }
      case "error":
        this.stderr += Array.isArray(content.traceback) ? content.traceback.join("\n") : "";
        return false;
      case "status":
        return content.execution_state === "idle";
      default:
        return false;
    }
  }

  answer(): CodeResult {
    return { stdout: this.stdout.trim(), stderr: this.stderr.trim(), result: this.results.join("\n").trim() };
  }
}

async function runOnKernel(base: URL, credentials: Credentials, kernelId: string, code: string, timeoutMs: number): Promise<CodeResult> {
  const socket = await openChannels(base, credentials, kernelId);
  const msgId = crypto.randomUUID().replaceAll("-", "");
  const transcript = new Transcript();
  try {
    await new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout>;
      // Like the reference, the limit is on the wait for each message, not on the whole run.
      const rearm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          transcript.stderr += "\nExecution timed out.";
          finish(resolve);
        }, timeoutMs);
      };
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        socket.removeEventListener("message", onMessage);
        settle();
      };
      const onMessage = (event: MessageEvent) => {
        rearm();
        let message: any;
        try {
          message = JSON.parse(typeof event.data === "string" ? event.data : Buffer.from(event.data as ArrayBuffer).toString("utf8"));
        } catch {
          return;
        }
        if (message?.parent_header?.msg_id !== msgId) return;
        if (transcript.take(message)) finish(resolve);
      };
      socket.addEventListener("message", onMessage);
      socket.addEventListener("close", () => finish(() => reject(new JupyterError("The kernel's channels closed before the code finished"))), { once: true });
      rearm();
      socket.send(executeRequest(msgId, code));
    });
  } finally {
    socket.close();
  }
  return transcript.answer();
}
