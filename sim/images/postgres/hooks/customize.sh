#!/bin/sh
# mmdebstrap customize hook (the root is $1): after every package is installed, before the root is packed.
set -eu
root="$1"
here="$(dirname "$0")"

install -m 0755 "$here/../entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"

# As in the official image, clusters listen on every interface of the container; the entrypoint's
# temporary init server overrides this with the socket only.
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$root"/usr/share/postgresql/*/postgresql.conf.sample

# The official image's locale (LANG=en_US.utf8): initdb makes UTF8 clusters, as dumps from it expect.
chroot "$root" localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8

# dpkg.cfg leaves the LLVM JIT out: fail here, not in a test, if a PostgreSQL file needed any of it.
if chroot "$root" sh -c 'ldd /usr/lib/postgresql/*/bin/* /usr/lib/postgresql/*/lib/*.so 2>/dev/null' | grep 'not found'; then
  echo "customize hook: a PostgreSQL binary or library needs a file dpkg.cfg excludes" >&2
  exit 1
fi

# Files that would make the root differ between builds or hosts: ssl-cert's random snakeoil key pair and
# the hash link to it (no cluster here uses them), and resolv.conf/hostname, which docker mounts over in
# every container.
rm -f "$root/etc/ssl/private/ssl-cert-snakeoil.key" "$root/etc/ssl/certs/ssl-cert-snakeoil.pem" \
  "$root/etc/resolv.conf" "$root/etc/hostname"
find "$root/etc/ssl/certs" -lname ssl-cert-snakeoil.pem -delete
