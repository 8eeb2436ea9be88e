// A small OpenID Connect provider on loopback: discovery, an authorize endpoint that approves at
// once as `nextUser`, a token endpoint that checks the client, code, redirect URI and PKCE
// verifier and issues an RS256 ID token signed with the key on its JWKS, and userinfo.
import { createHash, createSign, generateKeyPairSync, randomUUID } from "node:crypto";

export interface FakeOidcUser {
  sub: string;
  email?: string;
  name?: string;
  [claim: string]: unknown;
}

export interface FakeOidc {
  url: string;
  /** The discovery document's URL (OPENID_PROVIDER_URL). */
  metadataUrl: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization approves. */
  nextUser: FakeOidcUser;
  /** Put every claim in the ID token (else only sub, and the rest comes from userinfo). */
  claimsInIdToken: boolean;
  /** Sign ID tokens with a key that is not on the JWKS. */
  forgeSignature: boolean;
  /** The last authorization request's query. */
  lastAuthorize?: URLSearchParams;
  stop(): void;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function startFakeOidc(): FakeOidc {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "fake-key-1";
  const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const codes = new Map<string, { user: FakeOidcUser; nonce?: string; challenge?: string; redirectUri: string }>();
  const accessTokens = new Map<string, FakeOidcUser>();

  const idToken = (claims: Record<string, unknown>) => {
    const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
    const body = b64url(JSON.stringify(claims));
    const signature = createSign("RSA-SHA256").update(`${header}.${body}`).sign(fake.forgeSignature ? otherKey : privateKey);
    return `${header}.${body}.${b64url(signature)}`;
  };

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      const url = new URL(request.url);
      const base = fake.url;
      switch (url.pathname) {
        case "/.well-known/openid-configuration":
          return Response.json({
            issuer: base,
            authorization_endpoint: `${base}/authorize`,
            token_endpoint: `${base}/token`,
            userinfo_endpoint: `${base}/userinfo`,
            jwks_uri: `${base}/jwks`,
            end_session_endpoint: `${base}/logout`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
            code_challenge_methods_supported: ["S256"],
          });
        case "/jwks":
          return Response.json({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }] });
        case "/authorize": {
          fake.lastAuthorize = url.searchParams;
          const q = url.searchParams;
          if (q.get("client_id") !== fake.clientId) return new Response("unknown client", { status: 400 });
          const code = randomUUID();
          codes.set(code, {
            user: fake.nextUser,
            nonce: q.get("nonce") ?? undefined,
            challenge: q.get("code_challenge") ?? undefined,
            redirectUri: q.get("redirect_uri") ?? "",
          });
          const back = new URL(q.get("redirect_uri") ?? "");
          back.searchParams.set("code", code);
          if (q.get("state")) back.searchParams.set("state", q.get("state") as string);
          return new Response(null, { status: 302, headers: { location: back.href } });
        }
        case "/token": {
          const form = new URLSearchParams(await request.text());
          const basic = Buffer.from((request.headers.get("authorization") ?? "").replace(/^Basic /, ""), "base64").toString();
          const [id, secret] = basic.split(":").map(decodeURIComponent);
          if (id !== fake.clientId || secret !== fake.clientSecret) return Response.json({ error: "invalid_client" }, { status: 401 });
          const grant = codes.get(form.get("code") ?? "");
          codes.delete(form.get("code") ?? "");
          const verifier = form.get("code_verifier") ?? "";
          const challenge = createHash("sha256").update(verifier).digest("base64url");
          if (!grant || grant.redirectUri !== form.get("redirect_uri") || (grant.challenge && grant.challenge !== challenge)) {
            return Response.json({ error: "invalid_grant" }, { status: 400 });
          }
          const accessToken = randomUUID();
          accessTokens.set(accessToken, grant.user);
          const now = Math.floor(Date.now() / 1000);
          const claims = fake.claimsInIdToken ? grant.user : { sub: grant.user.sub };
          return Response.json({
            access_token: accessToken,
            token_type: "Bearer",
            expires_in: 3600,
            scope: "openid email profile",
            id_token: idToken({ ...claims, iss: base, aud: fake.clientId, iat: now, exp: now + 300, nonce: grant.nonce }),
          });
        }
        case "/userinfo": {
          const user = accessTokens.get((request.headers.get("authorization") ?? "").replace(/^Bearer /, ""));
          return user ? Response.json(user) : Response.json({ error: "invalid_token" }, { status: 401 });
        }
      }
      return new Response("not found", { status: 404 });
    },
  });

  const url = `http://127.0.0.1:${server.port}`;
  const fake: FakeOidc = {
    url,
    metadataUrl: `${url}/.well-known/openid-configuration`,
    clientId: "open-webui",
    clientSecret: "fake-client-secret",
    nextUser: { sub: "u-1", email: "user@example.org", name: "A User" },
    claimsInIdToken: false,
    forgeSignature: false,
    stop: () => server.stop(true),
  };
  return fake;
}
