#!/bin/bash
# SPDX-License-Identifier: MIT
# pgbouncer.sh - postgres -m pgbouncer against Debian's PgBouncer in front of a real PostgreSQL:
# a pool of one server connection, clients made to wait behind a long query, judged by the
# longest wait, the clients waiting and the servers in use; the console's own rules (no
# startup options, the simple protocol) kept.
. "$(dirname "$0")/lib.sh"

need_check postgres
command -v pgbouncer >/dev/null || skip_all "pgbouncer is not installed (apt-get install pgbouncer)"
pg_setup
as_pg "$PGBIN/initdb" -D "$PGDIR/primary" -U postgres --auth-local=trust --auth-host=trust \
  >"$PGDIR/initdb.log" 2>&1 || skip_all "initdb failed: $(tail -n 3 "$PGDIR/initdb.log")"
PORT=$(free_port)
start_pg primary "$PORT"

BPORT=$(free_port)
printf '"postgres" ""\n"monitor" ""\n' >"$PGDIR/userlist.txt"
cat >"$PGDIR/pgbouncer.ini" <<INI
[databases]
app = host=127.0.0.1 port=$PORT dbname=postgres user=postgres pool_size=1
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BPORT
unix_socket_dir =
auth_type = trust
auth_file = $PGDIR/userlist.txt
admin_users = postgres
stats_users = monitor
pool_mode = transaction
logfile = $PGDIR/pgbouncer.log
pidfile = $PGDIR/pgbouncer.pid
INI
[ "$(id -u)" = 0 ] && chown -R postgres: "$PGDIR"
"${AS_PG[@]}" pgbouncer "$PGDIR/pgbouncer.ini" >"$PGDIR/pgbouncer.out" 2>&1 &
BOUNCER=$!
on_exit "kill $BOUNCER"
wait_for "psql -h 127.0.0.1 -p $BPORT -U postgres -Atc 'SHOW VERSION' pgbouncer >/dev/null 2>&1" 30 ||
  skip_all "pgbouncer did not start: $(tail -n 3 "$PGDIR/pgbouncer.log" "$PGDIR/pgbouncer.out")"
B=(postgres -H 127.0.0.1 -p "$BPORT" -U monitor -m pgbouncer)

psql -h 127.0.0.1 -p "$BPORT" -U postgres -Atc 'SELECT 1' app >/dev/null
mw "${B[@]}"
expect_true "[ $RC = 0 ] && grep -qE '^POSTGRES OK - 1 pools, 0 clients waiting, the longest wait 0.000 s \\(app\\)' <<<\"\$FIRST\"" \
  "an idle pool through the stats user: OK ($FIRST)"
expect_out "^\\\\_ \[OK\] app/postgres: 0 clients active, 0 waiting, longest wait 0.000 s, [0-9] server connections in use of a pool of 1$" \
  "the pool in the long output with its pool_size"
expect_out "'app/postgres waiting'=0;;;0 'app/postgres maxwait'=0s;1;5;0 'app/postgres servers'=[0-9];;;0;1" "perfdata per pool"

# one query holds the only server connection; two more clients wait behind it
for i in 1 2 3; do
  psql -h 127.0.0.1 -p "$BPORT" -U postgres -Atc 'SELECT pg_sleep(8)' app >/dev/null 2>&1 &
  on_exit "kill $!"
done
wait_for "[ \"\$(psql -h 127.0.0.1 -p $BPORT -U postgres -AF' ' -tc 'SHOW POOLS' pgbouncer | awk '\$1 == \"app\" { print \$4 }')\" = 2 ]" 10
# the longest wait passes 1 s (the console's own column, read by the check)
wait_for "\"\$MCPWATCH\" ${B[*]} >/dev/null; [ \$? = 1 ]" 10
mw "${B[@]}"
expect_true "[ $RC = 1 ] && grep -qE '^POSTGRES WARNING - 1 pools, 2 clients waiting, the longest wait [1-4]\\.[0-9]{3} s \\(app\\)' <<<\"\$FIRST\"" \
  "two clients waiting over 1 s: WARNING on the longest wait ($FIRST)"
mw "${B[@]}" -c 1
expect_rc 2 "-c 1: two clients waiting is CRITICAL"
mw "${B[@]}" -w 50% -c 99%
expect_true "[ $RC = 2 ] && grep -q '1 server connections in use of a pool of 1' <<<\"\$OUT\"" "-c 99%: the one server connection in use of a pool of 1 is CRITICAL"

mw postgres -H 127.0.0.1 -p "$BPORT" -U monitor -m pgbouncer -m connection
expect_true "[ $RC = 3 ] && grep -q 'no other mode' <<<\"\$FIRST\"" "pgbouncer with another mode: refused"
mw postgres -H 127.0.0.1 -p "$PORT" -U postgres -d postgres -m pgbouncer
expect_true "[ $RC -ge 2 ] && [ \$(wc -l <<<\"\$OUT\") = 1 ]" "pgbouncer mode against PostgreSQL itself: not OK, one line ($FIRST)"

finish
