// Blob storage: safe names, the local folder, and S3 through Bun's client (fake S3 on loopback).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { insideDirectory, S3Storage, storedName } from "../../src/storage/provider";
import { startTestApp, type TestApp } from "../support/app";
import { uploadAndProcess } from "../support/uploads";
import { insertUser } from "../support/users";
import { startFakeS3, type FakeS3 } from "../fakes/s3";

describe("stored names", () => {
  test("one safe segment, prefixed by the id, bounded in length", () => {
    expect(storedName("id", "report.pdf")).toBe("id_report.pdf");
    expect(storedName("id", "../../etc/passwd")).toBe("id_passwd");
    expect(storedName("id", "..\\..\\boot.ini")).toBe("id_boot.ini");
    expect(storedName("id", "..")).toBe("id_file");
    expect(storedName("id", "a\u0000b\nc.txt")).toBe("id_abc.txt");
    const long = storedName("id", `${"é".repeat(300)}.txt`);
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(203);
    expect(long).toEndWith(".txt");
    expect(() => insideDirectory("/data/uploads", "../x")).toThrow();
    expect(insideDirectory("/data/uploads", "id_x")).toBe("/data/uploads/id_x");
  });
});

describe("S3 storage", () => {
  let s3: FakeS3;
  let dir: string;

  beforeAll(() => {
    s3 = startFakeS3("bucket");
    dir = mkdtempSync(join(tmpdir(), "owb-s3-"));
  });

  afterAll(() => {
    s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("put, get, delete and delete all, under the key prefix", async () => {
    const storage = new S3Storage(dir, { bucket: "bucket", prefix: "owui", accessKeyId: "k", secretAccessKey: "s", region: "us-east-1", endpoint: s3.url, virtualHostedStyle: false });
    const path = await storage.put("id_a.txt", new TextEncoder().encode("hello"), "text/plain");
    expect(path).toBe("s3://bucket/owui/id_a.txt");
    expect(new TextDecoder().decode(s3.objects.get("owui/id_a.txt")!.body)).toBe("hello");
    rmSync(join(dir, "id_a.txt"));
    expect(await (await storage.get(path))!.text()).toBe("hello");
    await storage.put("id_b.txt", new TextEncoder().encode("b"));
    s3.objects.set("other/keep.txt", { body: new Uint8Array([1]), type: "" });
    await storage.delete(path);
    expect(s3.objects.has("owui/id_a.txt")).toBe(false);
    expect(existsSync(join(dir, "id_a.txt"))).toBe(false);
    await storage.deleteAll();
    expect([...s3.objects.keys()]).toEqual(["other/keep.txt"]);
    expect(await storage.get("s3://bucket/owui/missing.txt")).toBeNull();
  });

  test("uploads and downloads through the app with STORAGE_PROVIDER=s3", async () => {
    const t: TestApp = await startTestApp("sqlite", {
      STORAGE_PROVIDER: "s3",
      S3_BUCKET_NAME: "bucket",
      S3_KEY_PREFIX: "files",
      S3_ENDPOINT_URL: s3.url,
      S3_ACCESS_KEY_ID: "k",
      S3_SECRET_ACCESS_KEY: "s",
      S3_REGION_NAME: "us-east-1",
    });
    try {
      const token = t.tokenFor((await insertUser(t.ctx)).id);
      const f = await uploadAndProcess(t, token, { name: "cloud.txt", content: "stored in the cloud" });
      expect(f.file.path).toBe(`s3://bucket/files/${f.uploaded.id}_cloud.txt`);
      expect(f.events.at(-1)?.status).toBe("completed");
      const content = await t.request("GET", `/api/v1/files/${f.uploaded.id}/content`, { token });
      expect(content.text).toBe("stored in the cloud");
      await t.request("DELETE", `/api/v1/files/${f.uploaded.id}`, { token });
      expect(s3.objects.has(`files/${f.uploaded.id}_cloud.txt`)).toBe(false);
    } finally {
      await t.close();
      await t.database.drop();
    }
  });
});
