// Multipart uploads with the content type each file part declares. Bun's formData() (1.4) ignores a
// part's Content-Type and guesses from the file name instead, so Safari's "Recording….mp4"
// (audio/mp4) would arrive as video/mp4 and a nameless blob as "". The type is read from the part
// headers here; the parsing itself stays Bun's.
import { HttpError } from "./errors";

const HEADER_END = Buffer.from("\r\n\r\n");
const MAX_HEADER_BYTES = 16 * 1024;

export interface Upload {
  form: FormData;
  /** Field name → the Content-Type its part declared ("" when none). */
  declaredTypes: Map<string, string>;
}

export async function readMultipart(request: Request): Promise<Upload> {
  const contentType = request.headers.get("content-type") ?? "";
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const bytes = Buffer.from(await request.arrayBuffer());
  if (!boundary) return { form: new FormData(), declaredTypes: new Map() };
  let form: FormData;
  try {
    form = (await new Response(bytes, { headers: { "content-type": contentType } }).formData()) as FormData;
  } catch {
    throw new HttpError(400, "There was an error parsing the body");
  }
  return { form, declaredTypes: partTypes(bytes, boundary) };
}

function partTypes(body: Buffer, boundary: string): Map<string, string> {
  const types = new Map<string, string>();
  const delimiter = Buffer.from(`--${boundary}\r\n`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    const end = body.indexOf(HEADER_END, start);
    if (end === -1 || end - start > MAX_HEADER_BYTES) break;
    const headers = body.subarray(start, end).toString("utf8").split("\r\n");
    const disposition = headers.find((line) => /^content-disposition:/i.test(line)) ?? "";
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1] ?? /;\s*name=([^;\s]+)/i.exec(disposition)?.[1];
    const type = headers.find((line) => /^content-type:/i.test(line))?.replace(/^content-type:\s*/i, "").trim() ?? "";
    if (name !== undefined && !types.has(name)) types.set(name, type);
    at = body.indexOf(delimiter, end);
  }
  return types;
}

/** FastAPI's answer for a required form field that is absent. */
export function missingField(name: string): HttpError {
  return new HttpError(422, [{ type: "missing", loc: ["body", name], msg: "Field required", input: null }]);
}
