// Fetching a URL that a user typed, without letting it reach this machine or its network: the
// host name is resolved and every address must be public (loopback, private, link-local,
// unique-local, multicast, reserved… are refused) unless local fetches are allowed, and each
// redirect hop is checked again before it is followed.
//
// The check and the connection resolve the name separately, so a DNS answer that changes in
// between (rebinding) is not caught; the hop-by-hop check still stops the common redirect tricks.
import { lookup as dnsLookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

export class UnsafeUrlError extends Error {}

export interface SafeFetchOptions {
  /** Admin setting: let URLs reach loopback and private networks. */
  allowLocal?: boolean;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  maxRedirects?: number;
  /** "manual": a redirect is answered as it came instead of being followed. */
  redirect?: "follow" | "manual";
  /** Whole-fetch limit (default 15 s); null = none. */
  timeoutMs?: number | null;
  /** The body is cut off (and the fetch fails) past this many bytes. */
  maxBytes?: number;
  /** Replaceable in tests: host name → addresses. */
  lookup?: (host: string) => Promise<string[]>;
  /** Replaceable in tests: which addresses are off limits. */
  isForbidden?: (address: string) => boolean;
}

export interface SafeFetchResult {
  status: number;
  headers: Headers;
  /** The URL that answered, after redirects. */
  url: string;
  body: Uint8Array;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** True for every address that is not a public unicast address. */
export function isForbiddenAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return true;
  }
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return isForbiddenAddress(v6.toIPv4Address().toString());
  }
  return parsed.range() !== "unicast";
}

async function resolveAll(host: string): Promise<string[]> {
  const results = await dnsLookup(host, { all: true, verbatim: true });
  return results.map((r) => r.address);
}

/** Throws UnsafeUrlError unless `raw` is an http(s) URL whose host resolves only to allowed addresses. */
export async function checkUrl(raw: string, options: SafeFetchOptions = {}): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError("The URL is not valid");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UnsafeUrlError("Only http and https URLs can be fetched");
  }
  if (options.allowLocal) return url;
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const isForbidden = options.isForbidden ?? isForbiddenAddress;
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await (options.lookup ?? resolveAll)(host);
    } catch {
      throw new UnsafeUrlError(`The host name ${host} could not be resolved`);
    }
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`The host name ${host} could not be resolved`);
  if (addresses.some(isForbidden)) {
    throw new UnsafeUrlError(`Fetching ${host} is not allowed: it points to a local or private network address`);
  }
  return url;
}

/** Fetches `raw`, re-checking the target of every redirect; the whole body is read (bounded). */
export async function safeFetch(raw: string, options: SafeFetchOptions = {}): Promise<SafeFetchResult> {
  const maxRedirects = options.maxRedirects ?? 5;
  const signal = options.timeoutMs === null ? undefined : AbortSignal.timeout(options.timeoutMs ?? 15_000);
  let url = await checkUrl(raw, options);
  let method = options.method ?? "GET";
  let body = options.body;
  for (let hop = 0; ; hop++) {
    const response = await fetch(url, { method, headers: options.headers, body, redirect: "manual", signal });
    const location = response.headers.get("location");
    if (REDIRECTS.has(response.status) && location && options.redirect !== "manual") {
      await response.body?.cancel().catch(() => {});
      if (hop >= maxRedirects) throw new UnsafeUrlError("Too many redirects");
      url = await checkUrl(new URL(location, url).toString(), options);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
      continue;
    }
    return {
      status: response.status,
      headers: response.headers,
      url: url.toString(),
      body: await readBounded(response, options.maxBytes ?? 10 * 1024 * 1024),
    };
  }
}

async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new UnsafeUrlError(`The response is larger than ${maxBytes} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
