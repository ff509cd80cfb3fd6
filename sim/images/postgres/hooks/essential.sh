#!/bin/sh
# mmdebstrap essential hook (the root is $1): runs after the Essential:yes packages and before PostgreSQL's,
# so what their maintainer scripts find is set here.
set -eu
root="$1"

# uid/gid 999 as in the official postgres image, so a data directory works with either. passwd is not
# installed yet (no useradd): the entries are written the way base-passwd writes its own, and
# postgresql-common's `adduser --system postgres` accepts the existing system user as it is.
echo 'postgres:x:999:' >> "$root/etc/group"
echo 'postgres:*:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/bash' >> "$root/etc/passwd"

# No packaged "main" cluster: the entrypoint initialises PGDATA on first start, and a cluster made at
# build time would be dead weight with a random system identifier (an unreproducible image).
mkdir -p "$root/etc/postgresql-common/createcluster.d"
echo 'create_main_cluster = false' > "$root/etc/postgresql-common/createcluster.d/spec1-sim.conf"
