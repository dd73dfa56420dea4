#!/usr/bin/env bash
# Services the register-engine tests drive (issue 20), installed from Debian's packages:
# the PostgreSQL and MariaDB servers (the tests start their own throwaway servers in temporary
# folders, on free local ports; nothing system-wide is started) and a Java runtime for Spark
# local mode. A test whose service is missing is skipped with a reason, so CI
# installs them. Idempotent; needs root and apt-get (does nothing without them).
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    echo "install-services: missing ${need[*]} (needs root and apt-get); their tests will skip" >&2
    exit 0
fi
apt-get update -qq
# policy-rc.d: install the servers without starting Debian's own instances.
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy = 1 ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
