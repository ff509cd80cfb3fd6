/**
 * How the spec1-sim/postgres images are built and when they are rebuilt (sim/images/postgres/image.ts):
 * the command lines as exact strings, and the recipe hash the images are labelled with.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { CommandLine } from "../lib/exec";
import {
  dockerBuildCommand,
  dockerImportCommand,
  ensurePostgresImage,
  imageInspectCommand,
  mmdebstrapCommand,
  POSTGRES_MAJORS,
  postgresImage,
  postgresRecipe,
  recipeHash,
  stopSignalDockerfile,
} from "../sim/images/postgres/image";

const line = (c: CommandLine) => [...Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`), c.command, ...c.args].join(" ");

test("command lines", () => {
  const recipe = { ...postgresRecipe(17), dir: "/r" };
  expect(line(mmdebstrapCommand(recipe, "/t/rootfs.tar"))).toBe(
    "SOURCE_DATE_EPOCH=1735689600 mmdebstrap --mode=root --variant=essential --format=tar --include=postgresql-17,locales --dpkgopt=/r/dpkg.cfg --hook-directory=/r/hooks trixie /t/rootfs.tar http://deb.debian.org/debian",
  );
  expect(line(dockerImportCommand("/t/rootfs.tar", 17))).toBe(
    'docker import --change ENV PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --change ENV PGDATA=/var/lib/postgresql/data --change ENV LANG=en_US.utf8 --change VOLUME /var/lib/postgresql/data --change EXPOSE 5432 --change ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"] --change CMD ["postgres"] /t/rootfs.tar',
  );
  expect(stopSignalDockerfile("sha256:abc")).toBe("FROM sha256:abc\nSTOPSIGNAL SIGINT\n");
  expect(line(dockerBuildCommand("spec1-sim/postgres:17", "f00"))).toBe(
    "DOCKER_BUILDKIT=0 docker build --quiet --tag spec1-sim/postgres:17 --label spec1.recipe=f00 -",
  );
  expect(line(imageInspectCommand("spec1-sim/postgres:17"))).toBe(
    'docker image inspect --format {{.Id}} {{index .Config.Labels "spec1.recipe"}} spec1-sim/postgres:17',
  );
  expect(POSTGRES_MAJORS.map(postgresImage)).toEqual(["spec1-sim/postgres:15", "spec1-sim/postgres:17"]);
  expect(postgresRecipe(15)).toMatchObject({ suite: "bookworm", packages: ["postgresql-15", "locales"] });
});

describe("recipe hash", () => {
  let copy: string;
  beforeAll(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-recipe-test-"));
    fs.cpSync(postgresRecipe(15).dir, copy, { recursive: true });
  });
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

  test("is the same from any checkout, and differs between majors", () => {
    expect(recipeHash({ ...postgresRecipe(15), dir: copy })).toBe(recipeHash(postgresRecipe(15)));
    expect(recipeHash(postgresRecipe(17))).not.toBe(recipeHash(postgresRecipe(15)));
  });

  test.each(["entrypoint.sh", "dpkg.cfg", "hooks/customize.sh"])("changes with %s", (file) => {
    const before = recipeHash({ ...postgresRecipe(15), dir: copy });
    fs.appendFileSync(path.join(copy, file), "\n");
    expect(recipeHash({ ...postgresRecipe(15), dir: copy })).not.toBe(before);
  });

  test("changes with a new hook", () => {
    const before = recipeHash({ ...postgresRecipe(15), dir: copy });
    fs.writeFileSync(path.join(copy, "hooks/customize-2.sh"), "#!/bin/sh\n");
    expect(recipeHash({ ...postgresRecipe(15), dir: copy })).not.toBe(before);
  });
});

test("an image labelled with its recipe's hash is not rebuilt (the global setup built both)", async () => {
  const ensured = await ensurePostgresImage(15);
  expect(ensured).toMatchObject({ tag: "spec1-sim/postgres:15", built: false });
});
