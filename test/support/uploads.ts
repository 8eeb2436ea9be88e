// Multipart uploads to POST /api/v1/files/ and waiting for their processing.
import type { TestApp, TestResponse } from "./app";

export interface UploadInput {
  name: string;
  content: string | Uint8Array;
  type?: string;
  metadata?: string;
  query?: string;
}

export async function upload(app: TestApp, token: string, input: UploadInput): Promise<TestResponse> {
  const form = new FormData();
  form.append("file", new File([input.content], input.name, { type: input.type ?? "text/plain" }));
  if (input.metadata !== undefined) form.append("metadata", input.metadata);
  const response = await app.app.handle(
    new Request(`http://localhost/api/v1/files/${input.query ? `?${input.query}` : ""}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    }),
  );
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body, text };
}

/** Reads the status stream to its end, as the frontend does; returns the events. */
export async function waitForProcessing(app: TestApp, token: string, id: string): Promise<{ status: string; error?: string }[]> {
  const response = await app.app.handle(
    new Request(`http://localhost/api/v1/files/${id}/process/status?stream=true`, {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)));
}

/** Upload, wait, and return the final file row. */
export async function uploadAndProcess(app: TestApp, token: string, input: UploadInput) {
  const uploaded = await upload(app, token, input);
  if (uploaded.status !== 200) throw new Error(`upload failed: ${uploaded.status} ${uploaded.text}`);
  const events = await waitForProcessing(app, token, uploaded.body.id);
  const file = await app.request("GET", `/api/v1/files/${uploaded.body.id}`, { token });
  return { uploaded: uploaded.body, events, file: file.body };
}
