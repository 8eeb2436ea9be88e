// Python's json.dumps layout (", " and ": " separators, non-ASCII escaped unless asked not to)
// and html.escape, for text the frontend parses exactly as the Python backend wrote it.

function quote(text: string, ensureAscii: boolean): string {
  const json = JSON.stringify(text);
  if (!ensureAscii) return json;
  return json.replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** json.dumps(value) (ensure_ascii defaults to true, like Python's). */
export function pythonJsonDumps(value: unknown, ensureAscii = true): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return quote(value, ensureAscii);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v, ensureAscii)).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${quote(k, ensureAscii)}: ${pythonJsonDumps(v, ensureAscii)}`).join(", ")}}`;
  }
  return quote(String(value), ensureAscii);
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

/** html.escape(text, quote=True). */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);
}
