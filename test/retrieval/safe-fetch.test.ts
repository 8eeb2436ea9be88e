// The URL guard: address classes, name resolution, and a check on every redirect hop.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { checkUrl, isForbiddenAddress, safeFetch, UnsafeUrlError } from "../../src/core/safe-fetch";

describe("safe fetch", () => {
  test("only public unicast addresses are allowed", () => {
    for (const ip of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "not-an-ip"]) {
      expect(isForbiddenAddress(ip)).toBe(true);
    }
    for (const ip of ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) expect(isForbiddenAddress(ip)).toBe(false);
  });

  test("host names are resolved and every address must be allowed", async () => {
    const lookup = async (host: string) => (host === "mixed.test" ? ["8.8.8.8", "10.0.0.1"] : ["8.8.8.8"]);
    await expect(checkUrl("http://mixed.test/", { lookup })).rejects.toBeInstanceOf(UnsafeUrlError);
    expect((await checkUrl("http://public.test/x", { lookup })).hostname).toBe("public.test");
    await expect(checkUrl("ftp://public.test/", { lookup })).rejects.toThrow("Only http and https");
    await expect(checkUrl("not a url")).rejects.toThrow("not valid");
    await expect(checkUrl("http://[::1]/")).rejects.toThrow("not allowed");
    expect((await checkUrl("http://127.0.0.1/", { allowLocal: true })).hostname).toBe("127.0.0.1");
  });

  describe("redirects", () => {
    let inner: ReturnType<typeof Bun.serve>;
    let outer: ReturnType<typeof Bun.serve>;

    beforeAll(() => {
      inner = Bun.serve({ port: 0, hostname: "127.0.0.2", fetch: () => new Response("inner secret") });
      outer = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: (request) => {
          const path = new URL(request.url).pathname;
          if (path === "/to-inner") return Response.redirect(`http://127.0.0.2:${inner.port}/`, 302);
          if (path === "/loop") return Response.redirect("/loop", 302);
          if (path === "/big") return new Response("x".repeat(2048));
          return new Response("outer page");
        },
      });
    });

    afterAll(() => {
      inner.stop(true);
      outer.stop(true);
    });

    // In these tests only 127.0.0.2 plays the part of a private address.
    const isForbidden = (ip: string) => ip === "127.0.0.2";

    test("a redirect to a forbidden address is refused", async () => {
      const ok = await safeFetch(`http://127.0.0.1:${outer.port}/`, { isForbidden });
      expect(new TextDecoder().decode(ok.body)).toBe("outer page");
      await expect(safeFetch(`http://127.0.0.1:${outer.port}/to-inner`, { isForbidden })).rejects.toThrow("not allowed");
      const allowed = await safeFetch(`http://127.0.0.1:${outer.port}/to-inner`, { allowLocal: true });
      expect(new TextDecoder().decode(allowed.body)).toBe("inner secret");
    });

    test("redirect loops and oversized bodies stop", async () => {
      await expect(safeFetch(`http://127.0.0.1:${outer.port}/loop`, { isForbidden, maxRedirects: 3 })).rejects.toThrow("Too many redirects");
      await expect(safeFetch(`http://127.0.0.1:${outer.port}/big`, { isForbidden, maxBytes: 1000 })).rejects.toThrow("larger than");
    });
  });
});
