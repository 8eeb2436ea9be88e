// Image bytes out of an engine's answer: base64 (bare, or a data: URL) or a URL to download.
// Downloads go through safe-fetch. A URL on the engine's own configured host is trusted like the
// engine (it may be on the local network, and gets the engine's credentials); any other URL must
// be public and gets no credentials.
import { redact } from "../core/upstream";
import { safeFetch, UnsafeUrlError } from "../core/safe-fetch";
import { ImageError } from "./http";

export interface ImageData {
  bytes: Uint8Array;
  contentType: string;
}

const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

/** load_b64_image_data: "data:<type>;base64,<data>" or bare base64 (taken as PNG). */
export function decodeBase64Image(value: unknown): ImageData {
  if (typeof value !== "string" || value.trim() === "") throw new ImageError("The image engine answered without image data");
  const comma = value.indexOf(",");
  const contentType = comma === -1 ? "image/png" : value.slice(0, comma).split(";")[0]!.replace(/^data:/, "").trim() || "image/png";
  const encoded = comma === -1 ? value : value.slice(comma + 1);
  if (!/^[A-Za-z0-9+/_\-\s]*={0,2}\s*$/.test(encoded)) throw new ImageError("The image engine answered with data that is not base64");
  const bytes = new Uint8Array(Buffer.from(encoded, "base64"));
  if (bytes.byteLength === 0) throw new ImageError("The image engine answered without image data");
  return { bytes, contentType };
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

export interface EngineTrust {
  /** The engine's configured base URL. */
  base: string;
  /** Its credentials, sent only to URLs on that same origin. */
  headers: Record<string, string>;
}

/** load_url_image_data: the image at `url`, refused unless it answers with an image/* type. */
export async function downloadImage(url: unknown, trust: EngineTrust): Promise<ImageData> {
  if (typeof url !== "string" || url === "") throw new ImageError("The image engine answered without an image URL");
  const trusted = sameOrigin(url, trust.base);
  let response;
  try {
    response = await safeFetch(url, {
      allowLocal: trusted,
      headers: trusted ? trust.headers : {},
      // The credentials would follow a redirect to another host.
      maxRedirects: trusted ? 0 : 5,
      timeoutMs: 120_000,
      maxBytes: MAX_IMAGE_BYTES,
    });
  } catch (error) {
    const reason = error instanceof UnsafeUrlError || error instanceof Error ? error.message : String(error);
    throw new ImageError(`The generated image could not be downloaded from ${redact(url)}: ${reason}`);
  }
  if (response.status >= 400) throw new ImageError(`The generated image could not be downloaded from ${redact(url)}: ${response.status}`);
  const contentType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!contentType.startsWith("image/")) throw new ImageError("Url does not point to an image.");
  return { bytes: response.body, contentType };
}
