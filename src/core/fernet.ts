// Fernet tokens (the spec Python's `cryptography` implements), for values Open WebUI stores
// encrypted: AES-128-CBC + HMAC-SHA256 under a 32-byte url-safe base64 key. Keys that are not
// 44 characters long are first turned into one the way Open WebUI does: base64url(sha256(key)).
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const VERSION = 0x80;

export class Fernet {
  private readonly signingKey: Buffer;
  private readonly encryptionKey: Buffer;

  constructor(secret: string) {
    const key =
      secret.length === 44
        ? Buffer.from(secret, "base64url")
        : createHash("sha256").update(secret, "utf8").digest();
    if (key.length !== 32) throw new Error("A Fernet key must decode to 32 bytes");
    this.signingKey = key.subarray(0, 16);
    this.encryptionKey = key.subarray(16);
  }

  encrypt(plain: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
    const iv = randomBytes(16);
    const cipher = createCipheriv("aes-128-cbc", this.encryptionKey, iv);
    const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    const header = Buffer.alloc(9);
    header[0] = VERSION;
    header.writeBigUInt64BE(BigInt(nowSeconds), 1);
    const signed = Buffer.concat([header, iv, ciphertext]);
    const mac = createHmac("sha256", this.signingKey).update(signed).digest();
    // Python emits padded url-safe base64.
    return Buffer.concat([signed, mac]).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
  }

  decrypt(token: string): string {
    const data = Buffer.from(token, "base64url");
    if (data.length < 57 || data[0] !== VERSION) throw new Error("Invalid Fernet token");
    const signed = data.subarray(0, data.length - 32);
    const mac = data.subarray(data.length - 32);
    const expected = createHmac("sha256", this.signingKey).update(signed).digest();
    if (!timingSafeEqual(mac, expected)) throw new Error("Invalid Fernet token");
    const decipher = createDecipheriv("aes-128-cbc", this.encryptionKey, signed.subarray(9, 25));
    return Buffer.concat([decipher.update(signed.subarray(25)), decipher.final()]).toString("utf8");
  }
}
