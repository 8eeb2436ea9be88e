// Collaborative documents (notes): the Yjs updates of each open document and the sockets editing
// it. In memory, or in Redis with Open WebUI's keys (`{prefix}:ydoc:documents:{id}:updates` list
// of JSON byte arrays, `…:users` set), the document id with ':' replaced by '_'.
import type { RedisLink } from "./redis";

export interface YdocStore {
  append(documentId: string, update: number[]): Promise<void>;
  updates(documentId: string): Promise<number[][]>;
  exists(documentId: string): Promise<boolean>;
  addUser(documentId: string, sid: string): Promise<void>;
  removeUser(documentId: string, sid: string): Promise<number>;
  clear(documentId: string): Promise<void>;
}

const keyOf = (documentId: string) => documentId.replaceAll(":", "_");

export class MemoryYdocStore implements YdocStore {
  private docs = new Map<string, number[][]>();
  private users = new Map<string, Set<string>>();

  async append(documentId: string, update: number[]) {
    const key = keyOf(documentId);
    const list = this.docs.get(key) ?? [];
    list.push(update);
    this.docs.set(key, list);
  }

  async updates(documentId: string) {
    return this.docs.get(keyOf(documentId)) ?? [];
  }

  async exists(documentId: string) {
    return this.docs.has(keyOf(documentId));
  }

  async addUser(documentId: string, sid: string) {
    const key = keyOf(documentId);
    const set = this.users.get(key) ?? new Set();
    set.add(sid);
    this.users.set(key, set);
  }

  async removeUser(documentId: string, sid: string) {
    const set = this.users.get(keyOf(documentId));
    set?.delete(sid);
    return set?.size ?? 0;
  }

  async clear(documentId: string) {
    this.docs.delete(keyOf(documentId));
    this.users.delete(keyOf(documentId));
  }
}

export class RedisYdocStore implements YdocStore {
  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
  ) {}

  private key(documentId: string, part: "updates" | "users") {
    return `${this.prefix}:ydoc:documents:${keyOf(documentId)}:${part}`;
  }

  async append(documentId: string, update: number[]) {
    await this.link.command.rpush(this.key(documentId, "updates"), JSON.stringify(update));
  }

  async updates(documentId: string) {
    const raw = await this.link.command.lrange(this.key(documentId, "updates"), 0, -1);
    return raw.map((item) => JSON.parse(item) as number[]);
  }

  async exists(documentId: string) {
    return (await this.link.command.exists(this.key(documentId, "updates"))) > 0;
  }

  async addUser(documentId: string, sid: string) {
    await this.link.command.sadd(this.key(documentId, "users"), sid);
  }

  async removeUser(documentId: string, sid: string) {
    const [, count] = ((await this.link.command
      .multi()
      .srem(this.key(documentId, "users"), sid)
      .scard(this.key(documentId, "users"))
      .exec()) ?? []) as [unknown, [unknown, number]][];
    return Number(count?.[1] ?? 0);
  }

  async clear(documentId: string) {
    await this.link.command.del(this.key(documentId, "updates"), this.key(documentId, "users"));
  }
}

/** Yjs, loaded when the first collaborative document is edited rather than at start. */
const yjs = () => import("yjs");

/** A well-formed Yjs update as a byte list, or null. */
export async function validUpdate(value: unknown): Promise<number[] | null> {
  if (!Array.isArray(value) || value.length === 0 || value.length > 10_000_000) return null;
  if (!value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return null;
  const Y = await yjs();
  try {
    Y.decodeUpdate(Uint8Array.from(value));
  } catch {
    return null;
  }
  return value;
}

/** The whole document as one update (what a joining editor loads). */
export async function documentState(updates: number[][]): Promise<number[]> {
  const Y = await yjs();
  return Array.from(Y.mergeUpdates(updates.map((update) => Uint8Array.from(update))));
}
