// bcrypt as Open WebUI stores it: `$2b$12$…`, the input cut at 72 UTF-8 bytes (bcrypt's limit;
// Bun would otherwise pre-hash longer inputs, which Python could not verify).
const encoder = new TextEncoder();
const MAX_BYTES = 72;

function truncated(password: string): Uint8Array {
  return encoder.encode(password).slice(0, MAX_BYTES);
}

export function passwordTooLong(password: string): boolean {
  return encoder.encode(password).length > MAX_BYTES;
}

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(truncated(password), { algorithm: "bcrypt", cost: 12 });
}

/** False for a wrong password and for anything that is not a bcrypt hash (e.g. LDAP accounts). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (!/^\$2[aby]\$\d\d\$/.test(hash)) return false;
  try {
    return await Bun.password.verify(truncated(password), hash, "bcrypt");
  } catch {
    return false;
  }
}

// Spent on unknown e-mails too, so a failed sign-in takes as long whether or not the account exists.
const DUMMY_HASH = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Ie5mKQzG5i7D6rmyW7hTO9hYWm1n7K";

export async function spendVerifyTime(password: string): Promise<void> {
  await verifyPassword(password, DUMMY_HASH);
}
