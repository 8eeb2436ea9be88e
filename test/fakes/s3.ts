// A minimal S3-compatible server on loopback (path-style: PUT/GET/HEAD/DELETE /bucket/key and
// ListObjectsV2), enough for the storage provider. Signatures are not checked.
export interface FakeS3 {
  url: string;
  objects: Map<string, { body: Uint8Array; type: string }>;
  stop(): void;
}

export function startFakeS3(bucket: string): FakeS3 {
  const objects = new Map<string, { body: Uint8Array; type: string }>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      const [, name, ...rest] = url.pathname.split("/");
      if (name !== bucket) return new Response("<Error><Code>NoSuchBucket</Code></Error>", { status: 404 });
      const key = decodeURIComponent(rest.join("/"));
      if (!key && request.method === "GET") {
        const prefix = url.searchParams.get("prefix") ?? "";
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        const contents = keys.map((k) => `<Contents><Key>${k}</Key><Size>${objects.get(k)!.body.byteLength}</Size></Contents>`).join("");
        return new Response(
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${prefix}</Prefix><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
          { headers: { "content-type": "application/xml" } },
        );
      }
      switch (request.method) {
        case "PUT":
          objects.set(key, { body: new Uint8Array(await request.arrayBuffer()), type: request.headers.get("content-type") ?? "" });
          return new Response(null, { status: 200, headers: { etag: '"x"' } });
        case "GET":
        case "HEAD": {
          const object = objects.get(key);
          if (!object) return new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 });
          return new Response(request.method === "HEAD" ? null : object.body, {
            headers: { "content-type": object.type || "application/octet-stream", "content-length": String(object.body.byteLength) },
          });
        }
        case "DELETE":
          objects.delete(key);
          return new Response(null, { status: 204 });
        default:
          return new Response(null, { status: 405 });
      }
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, objects, stop: () => server.stop(true) };
}
