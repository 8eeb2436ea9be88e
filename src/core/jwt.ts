// HS256 JSON Web Tokens exactly as Open WebUI (PyJWT) makes them: payload {"id"} plus an
// optional integer "exp". Verification is a synchronous HMAC: it sits on every request's path.
import { timingSafeEqual } from "node:crypto";

const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

export interface TokenPayload {
  id: string;
  exp?: number;
  [claim: string]: unknown;
}

export function signToken(payload: TokenPayload, secret: string): string {
  const body = `${HEADER}.${base64url(JSON.stringify(payload))}`;
  return `${body}.${hmac(body, secret)}`;
}

/** The payload of a well-signed, unexpired token with an `id`, else null. */
export function verifyToken(token: string, secret: string, nowSeconds = Date.now() / 1000): TokenPayload | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, body, signature] = parts as [string, string, string];
  let decodedHeader: { alg?: unknown };
  let payload: TokenPayload;
  try {
    decodedHeader = JSON.parse(Buffer.from(header, "base64url").toString("utf8"));
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (decodedHeader.alg !== "HS256" || typeof payload !== "object" || payload === null) return null;
  const expected = Buffer.from(hmac(`${header}.${body}`, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (typeof payload.id !== "string") return null;
  if (payload.exp !== undefined && (typeof payload.exp !== "number" || payload.exp <= nowSeconds)) return null;
  if (typeof payload.nbf === "number" && payload.nbf > nowSeconds) return null;
  if (payload.aud !== undefined) return null;
  return payload;
}

/**
 * JWT_EXPIRES_IN: "-1" or "0" mean never; otherwise every `<number><unit>` is summed
 * ("1h30m", "4w", "1.5h"). Returns seconds, null for never, or undefined when unparseable.
 */
export function parseDuration(value: string): number | null | undefined {
  const text = value.trim();
  if (text === "-1" || text === "0") return null;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  let matched = false;
  for (const match of text.matchAll(/(-?\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) {
    matched = true;
    total += Number(match[1]) * (units[match[2] as string] as number);
  }
  return matched ? total : undefined;
}

export const JWT_EXPIRES_IN_PATTERN = /^(-1|0|(-?\d+(\.\d+)?)(ms|s|m|h|d|w))$/;

function hmac(data: string, secret: string): string {
  return new Bun.CryptoHasher("sha256", secret).update(data).digest("base64url");
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
