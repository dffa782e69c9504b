#!/bin/bash
# SPDX-License-Identifier: MIT
# packages.sh BUILD_DIR - the Debian and RPM packages, from the release tarball of the configured
# build in BUILD_DIR: dpkg-buildpackage builds the .debs from a clean tree and lintian reports no
# errors; they are installed (apt), used from the installed paths (list, a check, the agent's
# user and folders, man pages, conffiles) and purged, after which nothing of them is left but
# the system user policy keeps; rpmbuild -bb builds the RPMs, rpmlint reports no errors and their
# file lists match the deb split. Run by `./quickstart test` as root (it installs and removes packages).
set -u
BUILD=$(cd "${1:?usage: packages.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export MCPWATCH=/usr/bin/mcpwatch
. "$SRC/tests/integration/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root to install packages"
for tool in dpkg-buildpackage dh lintian rpmbuild rpmlint apt-get man; do
  command -v "$tool" >/dev/null || skip_all "$tool is not installed"
done
[ ! -e /usr/bin/mcpwatch ] || skip_all "/usr/bin/mcpwatch exists already: not a clean machine"

# ---- build ----------------------------------------------------------------------------------
make -s -C "$BUILD" dist >"$TMP/dist.log" 2>&1 || skip_all "make dist failed: $(tail -n 3 "$TMP/dist.log")"
TARBALL=$(ls "$BUILD"/mcpwatch-*.tar.gz | head -n 1)
VERSION=$(basename "$TARBALL" .tar.gz)
VERSION=${VERSION#mcpwatch-}
mkdir -p "$TMP/deb"
tar -xzf "$TARBALL" -C "$TMP/deb"
TREE=$TMP/deb/mcpwatch-$VERSION
cp -r "$TREE/packaging/debian" "$TREE/debian"
(cd "$TREE" && dpkg-buildpackage -us -uc -b) >"$TMP/dpkg-buildpackage.log" 2>&1
RC=$?
OUT=$(tail -n 20 "$TMP/dpkg-buildpackage.log")
expect_rc 0 "dpkg-buildpackage builds the packages from the release tarball"
DEBS=(mcpwatch mcpwatch-postgres mcpwatch-redis mcpwatch-collectd)
for p in "${DEBS[@]}"; do
  expect_true "[ -f '$TMP/deb/${p}_${VERSION}_amd64.deb' ] || ls '$TMP/deb/${p}_${VERSION}_'*.deb >/dev/null 2>&1" "package $p built"
done
deb_of() { ls "$TMP/deb/$1_${VERSION}_"*.deb 2>/dev/null | grep -v dbgsym | head -n 1; }

OUT=$(lintian --tag-display-limit 0 "$TMP/deb/"mcpwatch_"$VERSION"_*.changes 2>&1 | grep -v 'root privileges')
echo "$OUT" | sed 's/^/# lintian: /'
expect_no_out "^E: " "lintian: no errors"

# ---- install, use, purge --------------------------------------------------------------------
snapshot() {
  find /etc /usr /lib /var/lib /var/spool /var/log/mcpwatch -xdev 2>/dev/null |
    grep -vE '^/var/lib/(dpkg|apt|systemd|ucf|polkit-1|dbus)(/|$)|^/etc/ld\.so\.cache$' | sort
}
snapshot >"$TMP/before"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "$(deb_of mcpwatch)" "$(deb_of mcpwatch-postgres)" "$(deb_of mcpwatch-redis)" \
  "$(deb_of mcpwatch-collectd)" >"$TMP/install.log" 2>&1
RC=$?
OUT=$(tail -n 20 "$TMP/install.log")
expect_rc 0 "apt installs the four packages"
OUT=$(/usr/bin/mcpwatch list 2>&1)
for check in disk exec host postgres redis rest-health prometheus vault mcp-tools tls-expiry; do
  expect_out "^$check " "installed: mcpwatch list shows $check"
done
mw disk -p /
expect_true "[ $RC -le 2 ] && grep -q '^DISK [A-Z]* - ' <<<\"\$FIRST\"" "installed: the disk check runs from /usr/bin ($FIRST)"
mw postgres -H 127.0.0.1 -p "$(free_port)" -t 2
expect_rc 2 "installed: the postgres check (subpackage) runs: nothing listens, CRITICAL"
OUT=$(runuser -u mcpwatch -- /usr/bin/mcpwatch run 2>&1)
RC=$?
expect_true "[ $RC -le 2 ] && grep -q 'root' <<<\"\$OUT\"" "installed: 'mcpwatch run' as user mcpwatch on the shipped configuration (exit $RC)"
expect_true "getent passwd mcpwatch >/dev/null && [ \"\$(stat -c '%U:%G %a' /var/spool/mcpwatch)\" = 'mcpwatch:mcpwatch 2770' ] && [ \"\$(stat -c '%U:%G %a' /var/lib/mcpwatch)\" = 'mcpwatch:mcpwatch 2770' ]" \
  "the agent's user, its state folder and the spool"
expect_true "[ -f /lib/systemd/system/mcpwatch-agent.service ] && grep -q '^ExecStart=/usr/bin/mcpwatch agent --config /etc/mcpwatch/mcpwatch.conf$' /lib/systemd/system/mcpwatch-agent.service" \
  "the systemd unit runs the installed binary on /etc/mcpwatch/mcpwatch.conf"
expect_true "dpkg-query -W -f='\${Conffiles}' mcpwatch | grep -q '/etc/mcpwatch/mcpwatch.conf' && dpkg-query -W -f='\${Conffiles}' mcpwatch-collectd | grep -q '/etc/collectd/collectd.conf.d/mcpwatch.conf'" \
  "configuration files are conffiles"
expect_true "! grep -qvE '^(#|[[:space:]]*\$)' /etc/collectd/collectd.conf.d/mcpwatch.conf && grep -q '^#LoadPlugin mcpwatch' /etc/collectd/collectd.conf.d/mcpwatch.conf && [ -f /usr/lib/collectd/mcpwatch.so ]" \
  "the collectd plugin in collectd's folder, its example switched off"
expect_true "man -w mcpwatch mcpwatch.conf mcpwatch-disk mcpwatch-postgres mcpwatch-redis >/dev/null 2>&1" "man pages found by man"
expect_true "[ -f /usr/share/mcpwatch/icinga2/mcpwatch-commands.conf ] && [ -f /usr/share/mcpwatch/nagios/mcpwatch-commands.cfg ]" \
  "Icinga 2 and Nagios definitions under /usr/share/mcpwatch"
expect_true "grep -q '\"/usr/bin/mcpwatch\"' /usr/share/mcpwatch/icinga2/mcpwatch-commands.conf" "the CheckCommands name /usr/bin/mcpwatch"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${DEBS[@]}" >"$TMP/purge.log" 2>&1
RC=$?
OUT=$(tail -n 20 "$TMP/purge.log")
expect_rc 0 "apt purges them"
snapshot >"$TMP/after"
# What apt installed besides (a dependency that was missing) belongs to its own package.
LEFT=$(comm -13 "$TMP/before" "$TMP/after" | while read -r path; do
  dpkg -S "$path" >/dev/null 2>&1 || echo "$path"
done)
expect_true "[ -z \"\$LEFT\" ]" "after purge nothing is left${LEFT:+ (left: $(echo $LEFT | head -c 300))}"
expect_true "getent passwd mcpwatch >/dev/null" "the system user stays, as Debian policy has it (files it owned could remain elsewhere)"

# ---- RPM --------------------------------------------------------------------------------------
mkdir -p "$TMP/rpm/SOURCES"
cp "$TARBALL" "$TMP/rpm/SOURCES/"
# --nodeps: the BuildRequires name RPM packages, which a Debian machine does not track.
rpmbuild -bb --nodeps --define "_topdir $TMP/rpm" --define "debug_package %{nil}" \
  "$SRC/packaging/rpm/mcpwatch.spec" >"$TMP/rpmbuild.log" 2>&1
RC=$?
OUT=$(tail -n 20 "$TMP/rpmbuild.log")
expect_rc 0 "rpmbuild -bb builds the RPMs from the release tarball"
# rpmlint with packaging/rpm/rpmlint.toml (the license list Debian's rpmlint lacks, and what an
# unsigned local build has by design): no error, and MIT is taken as a valid license.
OUT=$(rpmlint -c "$SRC/packaging/rpm/rpmlint.toml" "$SRC/packaging/rpm/mcpwatch.spec" \
  "$TMP"/rpm/RPMS/*/*.rpm 2>&1)
echo "$OUT" | grep -E ': [EW]: ' | sed 's/^/# rpmlint: /'
expect_out ' 0 errors' "rpmlint: the spec and the RPMs have no errors"
expect_no_out ': E: ' "rpmlint: no error lines"
expect_no_out 'invalid-license' "rpmlint: License: MIT is a valid license"
# File lists with each system's folders named alike; documentation and build-id links aside.
normalise() {
  sed -E -e 's|^\./|/|' -e 's|\.gz$||' -e 's|^/usr/lib/[a-z0-9_]+-linux-gnu/|LIBDIR/|' \
    -e 's|^/usr/lib(64)?/collectd/|COLLECTD/|' -e 's|^/usr/lib64/|LIBDIR/|' \
    -e 's|^(/usr)?/lib/systemd/system/|UNITDIR/|' -e 's|^/etc/collectd/collectd\.conf\.d/|COLLECTDCONF/|' \
    -e 's|^/etc/collectd\.d/|COLLECTDCONF/|' | grep -vE '^/usr/share/doc/|^/usr/lib/\.build-id/' | sort
}
for p in "${DEBS[@]}"; do
  rpm=$(ls "$TMP/rpm/RPMS/"*/"$p-$VERSION"-*.rpm 2>/dev/null | head -n 1)
  if [ -z "$rpm" ]; then
    not_ok "RPM $p built"
    continue
  fi
  dpkg-deb -c "$(deb_of "$p")" | awk '$1 ~ /^[-l]/ { print $6 }' | normalise >"$TMP/list.deb.$p"
  rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null | awk '$1 ~ /^[-l]/ { print $2 }' |
    normalise >"$TMP/list.rpm.$p"
  DIFF=$(diff "$TMP/list.deb.$p" "$TMP/list.rpm.$p")
  expect_true "[ -z \"\$DIFF\" ] && [ -s '$TMP/list.rpm.$p' ]" "RPM $p holds the same $(wc -l <"$TMP/list.rpm.$p") files as the .deb${DIFF:+ ($DIFF)}"
done

finish
