// The sidebar search text: words plus filter tokens `tag:x`, `folder:x`, `pinned:true|false`,
// `archived:true|false` and `shared:true|false`, read the way Open WebUI reads them.
import type { Db } from "../db/client";
import { folderIdsByNames } from "../folders/repository";
import type { SearchPlan } from "./repository";

const FILTER_PREFIXES = ["tag:", "folder:", "pinned:", "archived:", "shared:"];

export interface ParsedSearch {
  /** Nothing but whitespace: list all active chats. */
  empty: boolean;
  text: string;
  tagIds: string[];
  folderNames: string[];
  pinned?: boolean;
  archived?: boolean;
  shared?: boolean;
}

function flag(words: string[], name: string): boolean | undefined {
  if (words.includes(`${name}:true`)) return true;
  if (words.includes(`${name}:false`)) return false;
  return undefined;
}

export function parseSearch(input: string): ParsedSearch {
  const lowered = input.replaceAll("\u0000", "").toLowerCase().trim();
  if (!lowered) return { empty: true, text: "", tagIds: [], folderNames: [] };
  const words = lowered.split(" ");
  return {
    empty: false,
    tagIds: words.filter((w) => w.startsWith("tag:")).map((w) => w.replaceAll("tag:", "")),
    folderNames: words.filter((w) => w.startsWith("folder:")).map((w) => w.replaceAll("folder:", "")),
    pinned: flag(words, "pinned"),
    archived: flag(words, "archived"),
    shared: flag(words, "shared"),
    text: words.filter((w) => !FILTER_PREFIXES.some((p) => w.startsWith(p))).join(" "),
  };
}

/** The query plan, or null when a `folder:` filter names no folder of the user. */
export async function planSearch(db: Db, userId: string, parsed: ParsedSearch): Promise<SearchPlan | null> {
  if (parsed.empty) return { userId, archived: false, tagIds: [], text: "" };
  let folderIds: string[] | undefined;
  if (parsed.folderNames.length > 0) {
    folderIds = await folderIdsByNames(db, userId, parsed.folderNames);
    if (folderIds.length === 0) return null;
  }
  return {
    userId,
    archived: parsed.archived ?? false,
    pinned: parsed.pinned,
    shared: parsed.shared,
    folderIds,
    tagIds: parsed.tagIds,
    text: parsed.text,
  };
}

/** A first-page search for exactly one `tag:x` word: the tag to drop when nothing carries it. */
export function soleTagWord(input: string): string | null {
  const words = input.trim().split(" ");
  return words.length === 1 && words[0]!.startsWith("tag:") ? words[0]!.replaceAll("tag:", "") : null;
}
