// The SCIM bearer token (SCIM_TOKEN), checked apart from user sessions: identity providers hold
// this one secret, never a user's JWT or API key.
import { timingSafeEqual } from "node:crypto";
import { HttpError } from "../core/errors";
import { ERROR_SCHEMA } from "./discovery";

/** An error in the SCIM error schema (RFC 7644 §3.12); the reference uses it for some answers. */
export class ScimError extends HttpError {
  constructor(
    status: number,
    detail: string,
    readonly scimType?: string,
  ) {
    super(status, detail);
  }

  override body(): unknown {
    const type = this.scimType ?? DEFAULT_SCIM_TYPES[this.status];
    return { schemas: [ERROR_SCHEMA], status: String(this.status), detail: this.detail, ...(type ? { scimType: type } : {}) };
  }
}

const DEFAULT_SCIM_TYPES: Record<number, string> = { 400: "invalidSyntax", 404: "invalidValue", 409: "uniqueness" };

/** Throws the reference's 401 unless the request carries `Authorization: Bearer <SCIM_TOKEN>`. */
export function requireScimToken(request: Request, expected: string): void {
  const header = request.headers.get("authorization");
  if (!header) throw new HttpError(401, "Authorization header required", [["www-authenticate", "Bearer"]]);
  const parts = header.trim().split(/\s+/);
  if (parts.length !== 2) throw new HttpError(401, "Invalid authorization format. Expected: Bearer <token>");
  const [scheme, token] = parts as [string, string];
  if (scheme.toLowerCase() !== "bearer") throw new HttpError(401, "Invalid authentication scheme");
  if (!expected || !sameSecret(token, expected)) throw new HttpError(401, "Invalid SCIM token");
}

function sameSecret(given: string, expected: string): boolean {
  const a = new Bun.CryptoHasher("sha256").update(given).digest();
  const b = new Bun.CryptoHasher("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
