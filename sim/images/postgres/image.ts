/**
 * PostgreSQL images built from Debian packages, for tests that need a real server of a given major under
 * Docker: no container registry is reachable, so the official `postgres` images cannot be pulled.
 * mmdebstrap assembles a root filesystem from this folder's recipe (dpkg.cfg, hooks/, entrypoint.sh),
 * `docker import` makes it an image, and a one-line build on top adds STOPSIGNAL, which
 * `docker import --change` refuses. Each image is labelled with a hash of its recipe:
 * ensurePostgresImage rebuilds only when the label differs or the image is missing.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { CommandLine, runCommand } from "../../../lib/exec";

/** What Debian's reachable suites carry: bookworm 15, trixie 17. No suite has 16. */
export const POSTGRES_MAJORS = [15, 17] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];

const SUITES: Readonly<Record<PostgresMajor, string>> = { 15: "bookworm", 17: "trixie" };

/** The tag to run. Never `postgres:*`: that would pass for the official image. */
export function postgresImage(major: PostgresMajor): string {
  return `spec1-sim/postgres:${major}`;
}

/** The mirror this machine's apt uses (/etc/apt/sources.list.d/debian.sources); it serves trixie too. */
export const DEBIAN_MIRROR = "http://deb.debian.org/debian";

/** Fixed file times (2025-01-01): with the same mirror content, the rootfs tarball is byte-identical. */
const SOURCE_DATE_EPOCH = "1735689600";

const RECIPE_LABEL = "spec1.recipe";
const MINUTE = 60000;

export interface ImageRecipe {
  readonly major: PostgresMajor;
  readonly suite: string;
  readonly packages: readonly string[];
  /** The folder holding dpkg.cfg, hooks/ and entrypoint.sh. */
  readonly dir: string;
}

export function postgresRecipe(major: PostgresMajor): ImageRecipe {
  return { major, suite: SUITES[major], packages: [`postgresql-${major}`, "locales"], dir: __dirname };
}

/** Only the suite itself (no -updates/-security, which mmdebstrap adds without a mirror): fewer moving parts. */
export function mmdebstrapCommand(r: ImageRecipe, tarball: string): CommandLine {
  return {
    command: "mmdebstrap",
    args: [
      "--mode=root",
      "--variant=essential",
      "--format=tar",
      `--include=${r.packages.join(",")}`,
      `--dpkgopt=${r.dir}/dpkg.cfg`,
      `--hook-directory=${r.dir}/hooks`,
      r.suite,
      tarball,
      DEBIAN_MIRROR,
    ],
    env: { SOURCE_DATE_EPOCH },
  };
}

/** The official image's settings, bar STOPSIGNAL (see stopSignalDockerfile). */
export function dockerImportCommand(tarball: string, major: PostgresMajor): CommandLine {
  const changes = [
    `ENV PATH=/usr/lib/postgresql/${major}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    "ENV PGDATA=/var/lib/postgresql/data",
    "ENV LANG=en_US.utf8",
    "VOLUME /var/lib/postgresql/data",
    "EXPOSE 5432",
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
    'CMD ["postgres"]',
  ];
  return { command: "docker", args: ["import", ...changes.flatMap((c) => ["--change", c]), tarball] };
}

/** SIGINT is postgres' fast shutdown; docker's default SIGTERM waits for every client to leave. */
export function stopSignalDockerfile(rootfsImage: string): string {
  return `FROM ${rootfsImage}\nSTOPSIGNAL SIGINT\n`;
}

/** The Dockerfile comes on stdin, with no context. The classic builder: the CLI may have no buildx. */
export function dockerBuildCommand(tag: string, recipeHash: string): CommandLine {
  return {
    command: "docker",
    args: ["build", "--quiet", "--tag", tag, "--label", `${RECIPE_LABEL}=${recipeHash}`, "-"],
    env: { DOCKER_BUILDKIT: "0" },
  };
}

export function imageInspectCommand(tag: string): CommandLine {
  return { command: "docker", args: ["image", "inspect", "--format", `{{.Id}} {{index .Config.Labels "${RECIPE_LABEL}"}}`, tag] };
}

/**
 * Everything a build reads: its command lines (folder and paths as placeholders, so every checkout
 * agrees), which hold the suite and the packages, and the recipe files' contents.
 */
export function recipeHash(r: ImageRecipe): string {
  const hash = createHash("sha256");
  const commands = [
    mmdebstrapCommand({ ...r, dir: "<recipe>" }, "<rootfs.tar>"),
    dockerImportCommand("<rootfs.tar>", r.major),
    dockerBuildCommand("<tag>", "<hash>"),
    stopSignalDockerfile("<rootfs>"),
  ];
  hash.update(JSON.stringify(commands));
  const files = [
    "dpkg.cfg",
    "entrypoint.sh",
    ...fs
      .readdirSync(path.join(r.dir, "hooks"))
      .sort()
      .map((f) => `hooks/${f}`),
  ];
  for (const file of files) hash.update(`\0${file}\0`).update(fs.readFileSync(path.join(r.dir, file)));
  return hash.digest("hex");
}

export interface EnsuredImage {
  readonly tag: string;
  /** False when the image with this recipe was already there. */
  readonly built: boolean;
  readonly ms: number;
}

export async function ensurePostgresImage(major: PostgresMajor): Promise<EnsuredImage> {
  const started = Date.now();
  const recipe = postgresRecipe(major);
  const tag = postgresImage(major);
  const hash = recipeHash(recipe);
  const current = await currentImage(tag);
  if (current?.label === hash) return { tag, built: false, ms: Date.now() - started };
  await buildImage(recipe, tag, hash);
  if (current) {
    // The replaced image (and its rootfs parent) takes ~200 MiB; one a container still uses stays.
    await runCommand({ command: "docker", args: ["image", "rm", current.id] }, { what: "docker image rm", timeoutMs: MINUTE }).catch(
      () => undefined,
    );
  }
  return { tag, built: true, ms: Date.now() - started };
}

async function currentImage(tag: string): Promise<{ id: string; label: string } | undefined> {
  try {
    const [id, label] = (await runCommand(imageInspectCommand(tag), { what: "docker image inspect", timeoutMs: MINUTE })).trim().split(" ");
    return { id, label };
  } catch (err) {
    if (/no such image/i.test((err as Error).message)) return undefined;
    throw err;
  }
}

async function buildImage(r: ImageRecipe, tag: string, hash: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-postgres-"));
  const tarball = path.join(dir, "rootfs.tar");
  try {
    await runCommand(mmdebstrapCommand(r, tarball), { what: `mmdebstrap ${r.suite} (PostgreSQL ${r.major})`, timeoutMs: 20 * MINUTE });
    const rootfs = (await runCommand(dockerImportCommand(tarball, r.major), { what: "docker import", timeoutMs: 5 * MINUTE })).trim();
    const dockerfile = Readable.from([stopSignalDockerfile(rootfs)]);
    await runCommand(dockerBuildCommand(tag, hash), { what: `docker build ${tag}`, timeoutMs: 5 * MINUTE, stdin: dockerfile });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
