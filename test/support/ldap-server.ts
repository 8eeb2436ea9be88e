// A throwaway OpenLDAP directory (Debian's slapd) on a loopback port, for LDAP sign-in tests.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "ldapts";

export const SLAPD = "/usr/sbin/slapd";
export const slapdAvailable = existsSync(SLAPD) && existsSync("/etc/ldap/schema/inetorgperson.schema");
if (!slapdAvailable) console.warn("slapd is not installed: LDAP sign-in tests are skipped");

export interface LdapServer {
  port: number;
  stop(): Promise<void>;
}

const SUFFIX = "dc=example,dc=org";

export async function startLdapServer(ldif: string): Promise<LdapServer> {
  const dir = mkdtempSync(join(tmpdir(), "owb-ldap-"));
  mkdirSync(join(dir, "db"));
  const config = join(dir, "slapd.conf");
  writeFileSync(
    config,
    [
      "include /etc/ldap/schema/core.schema",
      "include /etc/ldap/schema/cosine.schema",
      "include /etc/ldap/schema/inetorgperson.schema",
      "modulepath /usr/lib/ldap",
      "moduleload back_mdb",
      `pidfile ${join(dir, "slapd.pid")}`,
      "database mdb",
      `suffix "${SUFFIX}"`,
      `rootdn "cn=admin,${SUFFIX}"`,
      "rootpw admin-secret",
      `directory ${join(dir, "db")}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "data.ldif"), ldif);
  const load = Bun.spawnSync(["/usr/sbin/slapadd", "-f", config, "-l", join(dir, "data.ldif")], { stderr: "pipe" });
  if (load.exitCode !== 0) throw new Error(`slapadd failed: ${load.stderr.toString()}`);
  const port = freePort();
  const child = Bun.spawn([SLAPD, "-f", config, "-h", `ldap://127.0.0.1:${port}/`, "-d", "0"], { stdout: "ignore", stderr: "ignore" });
  await untilItAnswers(port);
  return {
    port,
    stop: async () => {
      child.kill();
      await child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on right now (the system picks it). */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/** Waits until the directory answers a bind as its administrator. */
async function untilItAnswers(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const client = new Client({ url: `ldap://127.0.0.1:${port}`, connectTimeout: 1_000 });
    try {
      await client.bind(`cn=admin,${SUFFIX}`, "admin-secret");
      return;
    } catch {
      await Bun.sleep(50);
    } finally {
      await client.unbind().catch(() => {});
    }
  }
  throw new Error("slapd did not start");
}

export function person(uid: string, mail: string, cn: string, password: string, groups: string[] = []): string {
  return [
    `dn: uid=${uid},ou=people,${SUFFIX}`,
    "objectClass: inetOrgPerson",
    `uid: ${uid}`,
    `cn: ${cn}`,
    `sn: ${cn.split(" ").pop()}`,
    `mail: ${mail}`,
    `userPassword: ${password}`,
    ...groups.map((g) => `description: cn=${g},ou=groups,${SUFFIX}`),
    "",
  ].join("\n");
}

export const BASE_LDIF = [
  `dn: ${SUFFIX}`,
  "objectClass: dcObject",
  "objectClass: organization",
  "o: Example",
  "dc: example",
  "",
  `dn: ou=people,${SUFFIX}`,
  "objectClass: organizationalUnit",
  "ou: people",
  "",
].join("\n");

export const LDAP_SUFFIX = SUFFIX;
