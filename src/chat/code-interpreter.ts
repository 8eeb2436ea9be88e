// features.code_interpreter (process_chat_payload and process_chat_response of the reference):
// the user's message gets instructions for writing Python inside
// <code_interpreter type="code" lang="python"> tags. When a streamed answer ends with such a
// block, the code runs — in the user's browser through Pyodide (`execute:python`), or on the
// admin's Jupyter server — its output
// goes into the block, and the model is asked again with its answer so far (outputs included),
// streaming the continuation into the same message, up to MAX_CODE_ROUNDS times.
import { isUsersSession } from "./browser-session";
import type { AppContext } from "../context";
import { decodeBase64Image } from "../images/image-data";
import { storeImage } from "../images/generate";
import { executeCodeJupyter } from "../utils/jupyter";
import type { ChatMessage } from "../tasks/prompt";
import { continueReply, type ReplyRounds } from "./continue-reply";
import { addOrUpdateUserMessage, isRecord, type Json } from "./payload";

export const DEFAULT_CODE_INTERPRETER_PROMPT = `
#### Tools Available

1. **Code Interpreter**: \`<code_interpreter type="code" lang="python"></code_interpreter>\`
   - You can run Python in a shell that lives in the user's browser. It is quick, and it is there for analysis, calculations and problem solving: use it in this answer.
   - Your code may use a broad range of libraries, transform data, draw charts, call web APIs, and take on almost any computing task. Be inventive and use what Python offers to the full.
   - To run code, **put it inside \`<code_interpreter type="code" lang="python">\` XML tags** and stop writing right after the closing tag. Code outside these tags is not run.
   - Inside the code_interpreter tags write plain Python only: no Markdown fences such as \`\`\`py ... \`\`\`, which are not Python and make the code fail.
   - **Print what matters** (results, tables, summaries, figures) with explicit print statements, so the findings can be checked and shown; do not count on values being displayed implicitly.
   - Once you have the printed output, **give a short analysis, interpretation or next step** so the user understands the result or can take it further.
   - When the output is unclear, surprising or needs checking, improve the code and run it again; keep iterating until the results are meaningful.
   - **When the output contains a Markdown link to an image, audio or any other file, repeat that link exactly as it is in your answer so the user can open it; never alter the link.**
   - Answer in the main language of the chat; when the chat mixes languages, use English.

Make good use of these tools to give the user the best analysis you can.`;

/** The reference's retry limit for code rounds in one reply. */
const MAX_CODE_ROUNDS = 5;
/** python-socketio's default wait for an acknowledgement. */
const BROWSER_TIMEOUT_MS = 60_000;
const PNG_DATA = "data:image/png;base64";

/** Adds the code interpreter instructions (CODE_INTERPRETER_PROMPT_TEMPLATE, or ours) to the user's message. */
export function addCodeInterpreterPrompt(ctx: AppContext, messages: ChatMessage[]): ChatMessage[] {
  const template = ctx.config.get("CODE_INTERPRETER_PROMPT_TEMPLATE");
  return addOrUpdateUserMessage(template ? template : DEFAULT_CODE_INTERPRETER_PROMPT, messages);
}

export type CodeRounds = ReplyRounds;

/** Runs the code blocks the streamed answers end with, and streams what the model says next. */
export async function runCodeRounds(r: CodeRounds): Promise<void> {
  for (let round = 0; round < MAX_CODE_ROUNDS; round++) {
    const pending = r.stream.builder.pendingCode();
    if (!pending) return;
    r.stream.showPendingCode();
    const output = await runCode(r, pending.code, pending.attributes);
    if (r.signal.aborted) return;
    r.stream.showCodeOutput(output);
    await r.save(r.stream.builder.serialize());
    const next: Json = {
      model: r.form.model,
      stream: true,
      messages: [...structuredClone(r.messages), { role: "assistant", content: r.stream.builder.serializeRaw() }],
      metadata: r.form.metadata,
    };
    await continueReply(r, next, "the code output");
  }
}

/** The code's output ({stdout, stderr, result} from the engine), or the error as text. */
async function runCode(r: CodeRounds, code: string, attributes: Record<string, string>): Promise<unknown> {
  if (attributes.type !== "code") return "";
  try {
    const engine = r.ctx.config.get("CODE_INTERPRETER_ENGINE");
    const program = withBlockedModules(code, blockedModules(r.ctx.env.raw));
    let output: unknown;
    if (engine === "pyodide") output = await runInBrowser(r, program);
    else if (engine === "jupyter") output = await executeCodeJupyter(codeInterpreterJupyter(r.ctx), program);
    else output = { stdout: "Code interpreter engine not configured." };
    return isRecord(output) ? await withStoredImages(r, output) : output;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The code interpreter's settings (CODE_INTERPRETER_JUPYTER_*): the secret that matches the auth kind. */
function codeInterpreterJupyter(ctx: AppContext) {
  const auth = ctx.config.get("CODE_INTERPRETER_JUPYTER_AUTH");
  return {
    url: ctx.config.get("CODE_INTERPRETER_JUPYTER_URL") ?? "",
    token: auth === "token" ? ctx.config.get("CODE_INTERPRETER_JUPYTER_AUTH_TOKEN") : null,
    password: auth === "password" ? ctx.config.get("CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD") : null,
    timeoutSeconds: ctx.config.get("CODE_INTERPRETER_JUPYTER_TIMEOUT"),
  };
}

async function runInBrowser(r: CodeRounds, code: string): Promise<unknown> {
  const metadata = isRecord(r.form.metadata) ? r.form.metadata : {};
  const sessionId = typeof metadata.session_id === "string" ? metadata.session_id : "";
  const event = { type: "execute:python", data: { id: crypto.randomUUID(), code, session_id: sessionId || null } };
  const payload = { chat_id: metadata.chat_id ?? null, message_id: metadata.message_id ?? null, data: event };
  if (!(await isUsersSession(r.ctx, metadata.user_id, sessionId))) throw new Error("The code can only run in a browser tab of this user");
  try {
    return await r.ctx.emit.call(sessionId, "chat-events", payload, BROWSER_TIMEOUT_MS);
  } catch {
    throw new Error("The browser did not run the code in time");
  }
}

/** CODE_INTERPRETER_BLOCKED_MODULES: comma-separated module names the code may not import. */
export function blockedModules(raw: Record<string, string | undefined>): string[] {
  return (raw.CODE_INTERPRETER_BLOCKED_MODULES ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

/** The code behind a prelude that refuses direct imports of the blocked modules. */
export function withBlockedModules(code: string, blocked: string[]): string {
  if (blocked.length === 0) return code;
  const names = `{${blocked.map((name) => JSON.stringify(name)).join(", ")}}`;
  const prelude = [
    "import builtins",
    "",
    `_blocked_modules = ${names}`,
    "_original_import = builtins.__import__",
    "",
    "def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):",
    "    if name.split('.')[0] in _blocked_modules and globals and globals.get('__name__') == '__main__':",
    "        raise ImportError(f'Direct import of module {name} is restricted.')",
    "    return _original_import(name, globals, locals, fromlist, level)",
    "",
    "builtins.__import__ = _guarded_import",
    "",
  ].join("\n");
  return `${prelude}\n${code}`;
}

/** PNG data URLs printed by the code become files of the user, shown as Markdown images. */
async function withStoredImages(r: CodeRounds, output: Json): Promise<Json> {
  for (const key of ["stdout", "result"]) {
    const text = output[key];
    if (typeof text !== "string" || !text.includes(PNG_DATA)) continue;
    const lines = text.split("\n");
    for (const [index, line] of lines.entries()) {
      if (!line.includes(PNG_DATA)) continue;
      const url = await storeOutputImage(r, line.slice(line.indexOf(PNG_DATA)));
      if (url) lines[index] = `![Output Image](${url})`;
    }
    output[key] = lines.join("\n");
  }
  return output;
}

async function storeOutputImage(r: CodeRounds, dataUrl: string): Promise<string | null> {
  try {
    const metadata = isRecord(r.form.metadata) ? r.form.metadata : {};
    const { chat_id, message_id, session_id } = metadata;
    return await storeImage(r.ctx, r.user, decodeBase64Image(dataUrl.trim()), { chat_id, message_id, session_id }, "code-output");
  } catch (error) {
    r.ctx.log.warn("an image printed by the code could not be stored", error);
    return null;
  }
}
