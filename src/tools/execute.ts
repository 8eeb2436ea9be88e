// Calling one operation of an OpenAPI tool server (execute_tool_server): the arguments named as
// path or query parameters go into the URL, the rest of a JSON-body operation's arguments are
// the body. A failure of any kind becomes `{"error": "..."}`, which the model gets as the result.
import { safeFetch } from "../core/safe-fetch";
import { findOperation, isRecord, type Json } from "./openapi";
import type { ToolServerData } from "./servers";

export interface ToolServerAnswer {
  /** Parsed JSON, or the text when the answer is not JSON. */
  data: unknown;
  /** The answer's headers; null when the call failed. */
  headers: Headers | null;
}

export interface CallSettings {
  headers: Record<string, string>;
  /** AIOHTTP_CLIENT_TIMEOUT; null = no limit. */
  timeoutMs: number | null;
}

/** str() of a value as Python puts it into a URL. */
function pythonText(value: unknown): string {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function operationUrl(server: ToolServerData, path: string, operation: Json, params: Json): string {
  let url = `${server.url}${path}`;
  const query = new URLSearchParams();
  for (const param of Array.isArray(operation.parameters) ? operation.parameters : []) {
    if (!isRecord(param) || typeof param.name !== "string" || !(param.name in params)) continue;
    const value = pythonText(params[param.name]);
    if (param.in === "path") url = url.replaceAll(`{${param.name}}`, encodeURIComponent(value));
    else if (param.in === "query") query.append(param.name, value);
  }
  const search = query.toString();
  return search ? `${url}?${search}` : url;
}

async function call(server: ToolServerData, name: string, params: Json, settings: CallSettings): Promise<ToolServerAnswer> {
  const found = findOperation(server.openapi, name);
  if (!found) throw new Error(`No matching route found for operationId: ${name}`);
  const { path, method, operation } = found;
  const url = operationUrl(server, path, operation, params);
  const content = isRecord(operation.requestBody) ? operation.requestBody.content : null;
  const hasBody = isRecord(content) && Object.keys(content).length > 0;
  if (hasBody && Object.keys(params).length === 0) throw new Error(`Request body expected for operation '${name}' but none found.`);
  const sendsBody = ["post", "put", "patch"].includes(method);
  const response = await safeFetch(url, {
    allowLocal: true,
    method: method.toUpperCase(),
    headers: settings.headers,
    body: sendsBody ? JSON.stringify(hasBody ? params : {}) : undefined,
    redirect: "manual",
    timeoutMs: settings.timeoutMs,
  });
  const text = new TextDecoder().decode(response.body);
  if (response.status >= 400) throw new Error(`HTTP error ${response.status}: ${text}`);
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {}
  return { data, headers: response.headers };
}

export async function executeToolServer(server: ToolServerData, name: string, params: Json, settings: CallSettings): Promise<ToolServerAnswer> {
  try {
    return await call(server, name, params, settings);
  } catch (error) {
    return { data: { error: error instanceof Error ? error.message : String(error) }, headers: null };
  }
}
