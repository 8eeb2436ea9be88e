// Where uploaded blobs live (STORAGE_PROVIDER): `local` keeps `{id}_{name}` under UPLOAD_DIR and
// stores that absolute path in `file.path`, like Open WebUI; `s3` also writes the local copy and
// stores `s3://{bucket}/{prefix}/{id}_{name}`, through Bun's S3 client. Stored names are built by
// `storedName`, which cannot leave the upload folder.
import { S3Client } from "bun";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve, sep } from "node:path";
import { ConfigError, parseBool, type Env } from "../core/env";

export interface StorageProvider {
  readonly kind: "local" | "s3";
  /** Writes the blob and returns the value for `file.path`. */
  put(name: string, bytes: Uint8Array, contentType?: string): Promise<string>;
  /** The blob behind a stored path, or null when it is gone. */
  get(path: string): Promise<Blob | null>;
  delete(path: string): Promise<void>;
  deleteAll(): Promise<void>;
}

const MAX_NAME_BYTES = 200;

/** The last path segment of an uploaded name, without control characters. */
export function cleanFileName(filename: string): string {
  const name = basename((filename ?? "").replaceAll("\\", "/")).replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return name === "" || name === "." || name === ".." ? "file" : name;
}

/** `{id}_{name}` with the name reduced to a single safe path segment of bounded length. */
export function storedName(id: string, filename: string): string {
  let name = cleanFileName(filename);
  const bytes = new TextEncoder().encode(name);
  if (bytes.length > MAX_NAME_BYTES) {
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
    name = new TextDecoder().decode(bytes.slice(0, MAX_NAME_BYTES - ext.length)).replace(/\uFFFD+$/, "") + ext;
  }
  return `${id}_${name}`;
}

/** The path of `name` inside `dir`, refusing anything that would resolve outside it. */
export function insideDirectory(dir: string, name: string): string {
  const root = resolve(dir);
  const target = resolve(root, name);
  if (!target.startsWith(root + sep)) throw new Error("The file name leaves the upload folder");
  return target;
}

export class LocalStorage implements StorageProvider {
  readonly kind: "local" | "s3" = "local";

  constructor(protected readonly uploadDir: string) {
    mkdirSync(uploadDir, { recursive: true });
  }

  async put(name: string, bytes: Uint8Array): Promise<string> {
    const path = insideDirectory(this.uploadDir, name);
    await Bun.write(path, bytes);
    return path;
  }

  /** The stored absolute path first; if another host wrote it, the same name in our folder. */
  async get(path: string): Promise<Blob | null> {
    for (const candidate of [path, this.localCopy(path)]) {
      if (!candidate) continue;
      const file = Bun.file(candidate);
      if (await file.exists()) return file;
    }
    return null;
  }

  async delete(path: string): Promise<void> {
    const local = this.localCopy(path);
    if (local) rmSync(local, { force: true });
  }

  async deleteAll(): Promise<void> {
    for (const entry of safeList(this.uploadDir)) rmSync(join(this.uploadDir, entry), { recursive: true, force: true });
  }

  protected localCopy(path: string): string | null {
    const name = basename(path.replaceAll("\\", "/"));
    if (!name || name === "." || name === "..") return null;
    try {
      return insideDirectory(this.uploadDir, name);
    } catch {
      return null;
    }
  }
}

export interface S3Settings {
  bucket: string;
  prefix: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  endpoint?: string;
  virtualHostedStyle: boolean;
}

export class S3Storage extends LocalStorage {
  override readonly kind = "s3" as const;
  private client: S3Client;

  constructor(
    uploadDir: string,
    private readonly settings: S3Settings,
  ) {
    super(uploadDir);
    this.client = new S3Client({
      bucket: settings.bucket,
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      region: settings.region,
      endpoint: settings.endpoint,
      virtualHostedStyle: settings.virtualHostedStyle,
    });
  }

  private key(name: string): string {
    return this.settings.prefix ? `${this.settings.prefix.replace(/\/+$/, "")}/${name}` : name;
  }

  override async put(name: string, bytes: Uint8Array, contentType?: string): Promise<string> {
    await super.put(name, bytes);
    const key = this.key(name);
    await this.client.file(key).write(bytes, contentType ? { type: contentType } : undefined);
    return `s3://${this.settings.bucket}/${key}`;
  }

  override async get(path: string): Promise<Blob | null> {
    const key = this.keyOf(path);
    if (!key) return super.get(path);
    const object = this.client.file(key);
    if (!(await object.exists())) return null;
    // Like Open WebUI, the object is brought to the upload folder and served from there.
    const local = this.localCopy(path);
    if (!local) return object;
    await Bun.write(local, object);
    return Bun.file(local);
  }

  override async delete(path: string): Promise<void> {
    const key = this.keyOf(path);
    if (key) await this.client.file(key).delete();
    await super.delete(path);
  }

  override async deleteAll(): Promise<void> {
    const prefix = this.settings.prefix ? `${this.settings.prefix.replace(/\/+$/, "")}/` : undefined;
    let token: string | undefined;
    do {
      const page = await this.client.list({ prefix, continuationToken: token });
      for (const item of page.contents ?? []) await this.client.file(item.key).delete();
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token);
    await super.deleteAll();
  }

  /** `s3://bucket/key` → key (only for our bucket). */
  private keyOf(path: string): string | null {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(path);
    return match && match[1] === this.settings.bucket ? (match[2] as string) : null;
  }
}

export function createStorage(env: Env): StorageProvider {
  const raw = env.raw;
  const provider = (raw.STORAGE_PROVIDER ?? "local").trim().toLowerCase() || "local";
  if (provider === "local") return new LocalStorage(env.uploadDir);
  if (provider === "s3") {
    if (!raw.S3_BUCKET_NAME) throw new ConfigError("S3_BUCKET_NAME", "is required with STORAGE_PROVIDER=s3");
    return new S3Storage(env.uploadDir, {
      bucket: raw.S3_BUCKET_NAME,
      prefix: raw.S3_KEY_PREFIX ?? "",
      accessKeyId: raw.S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: raw.S3_SECRET_ACCESS_KEY || undefined,
      region: raw.S3_REGION_NAME || undefined,
      endpoint: raw.S3_ENDPOINT_URL || undefined,
      virtualHostedStyle: (raw.S3_ADDRESSING_STYLE ?? "").toLowerCase() === "virtual" || parseBool(raw, "S3_USE_ACCELERATE_ENDPOINT", false),
    });
  }
  throw new ConfigError("STORAGE_PROVIDER", `"${provider}" is not supported (use local or s3)`);
}

function safeList(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}
