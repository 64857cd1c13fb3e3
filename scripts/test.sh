#!/usr/bin/env bash
# Runs the whole hqdesk test suite: the one command for CI and developers.
#
#   scripts/test.sh                      # fmt + clippy + all tests
#   scripts/test.sh -E 'test(foo)'       # extra args go to `cargo nextest run`
#   HQDESK_QUICK=1 scripts/test.sh -E 'test(foo)'   # ...and skip fmt/clippy
#
# It installs the Debian packages the tests need when they are missing,
# starts a throwaway PostgreSQL cluster (removed again on exit) and exports
# HQDESK_TEST_POSTGRES_URL / HQDESK_REQUIRE_POSTGRES / HQDESK_REQUIRE_BROWSER /
# HQDESK_TEST_OUTPUT / HQDESK_AXE_JS (axe-core, fetched from the npm registry). As root it also
# starts a throwaway Dovecot (IMAP, LMTP)
# and Postfix (SMTP, delivering into Dovecot) on 127.0.0.1 and exports
# HQDESK_TEST_IMAP(S) / HQDESK_TEST_SMTP(S) / HQDESK_TEST_MAIL_PASSWORD / SSL_CERT_FILE /
# HQDESK_REQUIRE_MAIL (see start_mail_servers).
# Exit status: the first failing step's status, i.e. the tests' status when
# fmt and clippy pass.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
is_root() { [[ "$(id -u)" -eq 0 ]]; }

# ---------------------------------------------------------------------------
# System packages
# ---------------------------------------------------------------------------

# Prints the newest Debian PostgreSQL bin directory (/usr/lib/postgresql/N/bin)
# that has an initdb; fails if there is none. /usr/local/bin is deliberately
# not considered.
pg_bindir() {
  local dir best
  # The glob sorts lexically (10 < 9): pick the highest major version with sort -V.
  best="$(for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; fi
  done | sort -V | tail -n 1)"
  [[ -n "$best" ]] || return 1
  echo "$best"
}

# What the tests need: "<check command>|<Debian package>". The package is
# installed when the check (run with eval) fails. Add capabilities here, e.g.
#   "command -v doveadm|dovecot-imapd"
#   "command -v /usr/sbin/postfix|postfix"
#   "command -v chromium|chromium"
#   "command -v chromedriver|chromium-driver"
REQUIREMENTS=(
  "pg_bindir|postgresql"
  "command -v /usr/bin/chromium|chromium"
  "command -v /usr/bin/chromedriver|chromium-driver"
  "command -v /usr/sbin/dovecot|dovecot-imapd"
  "test -x /usr/lib/dovecot/lmtp|dovecot-lmtpd"
  "command -v /usr/sbin/postfix|postfix"
  "command -v npm|npm"
)

install_requirements() {
  local entry check pkg missing=()
  for entry in "${REQUIREMENTS[@]}"; do
    check="${entry%|*}"
    pkg="${entry##*|}"
    eval "$check" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0

  step "install ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 ||
    die "missing packages (${missing[*]}) and no apt-get; install them manually"
  local sudo=()
  if ! is_root; then
    command -v sudo >/dev/null 2>&1 ||
      die "missing packages (${missing[*]}); run as root or install sudo"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
}

# ---------------------------------------------------------------------------
# Throwaway PostgreSQL cluster
# ---------------------------------------------------------------------------

PG_BIN=""
PG_TMP=""
PG_PORT=""

# Runs a command as the cluster owner: `postgres` when we are root
# (PostgreSQL refuses to run as root), ourselves otherwise.
as_pg() {
  if is_root; then
    (cd "$PG_TMP" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' && return 0
  fi
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 30000))
    # Nothing answers there (a connect attempt fails): assume it is free.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

stop_postgres() {
  [[ -n "$PG_TMP" && -d "$PG_TMP" ]] || return 0
  if [[ -f "$PG_TMP/data/postmaster.pid" ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w -t 10 stop >/dev/null 2>&1 ||
      true
  fi
  rm -rf "$PG_TMP"
  PG_TMP=""
}

on_exit() {
  local rc=$?
  set +e
  stop_mail_servers
  stop_postgres
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

start_postgres() {
  PG_BIN="$(pg_bindir)" || die "no initdb under /usr/lib/postgresql/*/bin"
  if is_root; then
    id -u postgres >/dev/null 2>&1 ||
      die "running as root but there is no 'postgres' user to run PostgreSQL"
  fi

  PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/hqdesk-pg.XXXXXX")"
  if is_root; then
    chown postgres: "$PG_TMP"
    if ! runuser -u postgres -- test -w "$PG_TMP"; then
      # $TMPDIR is not reachable for the postgres user; /tmp always is.
      rm -rf "$PG_TMP"
      PG_TMP="$(mktemp -d /tmp/hqdesk-pg.XXXXXX)"
      chown postgres: "$PG_TMP"
    fi
  fi
  as_pg mkdir "$PG_TMP/sock"

  local locale=C
  if grep -qiE '^c\.utf-?8$' <<<"$(locale -a 2>/dev/null)"; then locale=C.UTF-8; fi
  as_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust \
    -E UTF8 --locale="$locale" --no-sync --no-instructions \
    >"$PG_TMP/initdb.log" 2>&1 || {
    cat "$PG_TMP/initdb.log" >&2
    die "initdb failed"
  }

  cat >>"$PG_TMP/data/postgresql.conf" <<EOF

# hqdesk test cluster: local only, durability off for speed.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_TMP/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
EOF

  local attempt log
  for attempt in 1 2 3 4 5; do
    log="$PG_TMP/postgres-$attempt.log"
    PG_PORT="$(free_port)" || die "could not find a free TCP port"
    echo "port = $PG_PORT" >>"$PG_TMP/data/postgresql.conf" # the last one wins
    # Runs as the cluster owner so the log file is owned by it too.
    as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$log" -w -t 60 -s start && break
    # Someone grabbed the port between picking and binding it: try another.
    if [[ $attempt -lt 5 ]] && grep -qE 'could not (bind|create any TCP/IP)|already in use' "$log" 2>/dev/null; then
      echo "port $PG_PORT is taken, retrying" >&2
      continue
    fi
    echo "---- PostgreSQL server log ($log) ----" >&2
    cat "$log" >&2 || true
    die "PostgreSQL failed to start"
  done

  local deadline=$((SECONDS + 60))
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres; do
    if ((SECONDS >= deadline)); then
      echo "---- PostgreSQL server log ($log) ----" >&2
      cat "$log" >&2 || true
      die "PostgreSQL on 127.0.0.1:$PG_PORT did not accept connections within 60s"
    fi
    sleep 0.2
  done
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (data in $PG_TMP)"
}


# ---------------------------------------------------------------------------
# Throwaway mail servers: Dovecot (IMAP + LMTP) and Postfix (SMTP)
# ---------------------------------------------------------------------------
#
# Everything lives in $MAIL_TMP (removed on exit). Any address in the test
# domains hqdesk.test and khach.test exists (Dovecot's static userdb with
# allow_all_users) and logs in over IMAP with the password $MAIL_PASSWORD, so
# each test uses its own addresses. Postfix accepts mail from loopback for
# those domains and hands it to Dovecot over LMTP; anything else is refused
# with a permanent 550. SMTP AUTH is offered (Dovecot SASL, same password) but
# not required on loopback. STARTTLS is offered on the plain ports, TLS on IMAPS/SMTPS, with a
# throwaway CA the tests trust through SSL_CERT_FILE.

MAIL_TMP=""
MAIL_PASSWORD="hqdesk-test"

stop_mail_servers() {
  [[ -n "$MAIL_TMP" && -d "$MAIL_TMP" ]] || return 0
  if [[ -f "$MAIL_TMP/postfix/data/master.lock" ]]; then
    /usr/sbin/postfix -c "$MAIL_TMP/postfix/etc" stop >/dev/null 2>&1 ||
      /usr/sbin/postfix -c "$MAIL_TMP/postfix/etc" abort >/dev/null 2>&1 || true
  fi
  if [[ -f "$MAIL_TMP/dovecot/run/master.pid" ]]; then
    /usr/sbin/dovecot -c "$MAIL_TMP/dovecot/dovecot.conf" stop >/dev/null 2>&1 || true
  fi
  rm -rf "$MAIL_TMP"
  MAIL_TMP=""
}

mail_log_tail() {
  local f
  for f in "$MAIL_TMP/dovecot/dovecot.log" "$MAIL_TMP/postfix/postfix.log"; do
    [[ -f "$f" ]] && { echo "---- $f ----" >&2; tail -n 30 "$f" >&2; }
  done
  return 0
}

wait_port() {
  local port=$1 deadline=$((SECONDS + 10))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# A throwaway CA and a certificate for localhost / 127.0.0.1 signed by it, in $1.
make_test_ca() {
  local d=$1
  (
    cd "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=hqdesk test CA" -keyout ca.key -out ca.pem \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=localhost" -keyout key.pem -out server.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile server.ext -out cert.pem
  ) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; die "could not make the test certificates"; }
  chmod 644 "$d"/*.pem
}

# Starts both servers; sets IMAP_PORT, IMAPS_PORT, SMTP_PORT and SMTPS_PORT. Both offer STARTTLS
# on the plain ports and TLS on the others, with a certificate from a throwaway CA
# ($MAIL_TMP/tls/ca.pem, exported as SSL_CERT_FILE for the tests).
start_mail_servers() {
  id -u mail >/dev/null 2>&1 || die "no 'mail' user to own the test maildirs"
  id -u postfix >/dev/null 2>&1 || die "no 'postfix' user (is the postfix package installed?)"
  MAIL_TMP="$(mktemp -d /tmp/hqdesk-mail.XXXXXX)"
  chmod 755 "$MAIL_TMP"
  local dc="$MAIL_TMP/dovecot" pf="$MAIL_TMP/postfix"
  local muid mgid lmtp_port auth_port
  muid="$(id -u mail)"
  mgid="$(id -g mail)"
  IMAP_PORT="$(free_port)" && lmtp_port="$(free_port)" && auth_port="$(free_port)" &&
    SMTP_PORT="$(free_port)" && IMAPS_PORT="$(free_port)" && SMTPS_PORT="$(free_port)" ||
    die "could not find free TCP ports"
  mkdir -p "$dc/run" "$MAIL_TMP/mail" "$pf/etc" "$pf/spool" "$pf/data" "$MAIL_TMP/tls"
  make_test_ca "$MAIL_TMP/tls"
  chown mail:mail "$MAIL_TMP/mail"
  chown postfix "$pf/data"

  cat >"$dc/dovecot.conf" <<EOF
# hqdesk test Dovecot: loopback only, any user in the test domains.
base_dir = $dc/run
instance_name = hqdesk-test-$$
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <$MAIL_TMP/tls/cert.pem
ssl_key = <$MAIL_TMP/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $dc/dovecot.log
mail_location = maildir:$MAIL_TMP/mail/%d/%n
first_valid_uid = $muid
passdb {
  driver = static
  args = password=$MAIL_PASSWORD
}
userdb {
  driver = static
  args = uid=$muid gid=$mgid home=$MAIL_TMP/mail/%d/%n allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp_port
  }
}
service auth {
  inet_listener sasl {
    address = 127.0.0.1
    port = $auth_port
  }
}
protocol lmtp {
  postmaster_address = postmaster@hqdesk.test
}
EOF

  cat >"$pf/etc/main.cf" <<EOF
# hqdesk test Postfix: loopback only, test domains delivered to Dovecot (LMTP).
compatibility_level = 3.6
queue_directory = $pf/spool
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.hqdesk.test
mydomain = hqdesk.test
myorigin = hqdesk.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = hqdesk.test khach.test
virtual_transport = lmtp:inet:127.0.0.1:$lmtp_port
relay_domains =
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$auth_port
smtpd_tls_auth_only = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = $MAIL_TMP/tls/cert.pem
smtpd_tls_key_file = $MAIL_TMP/tls/key.pem
local_transport = error:5.1.1 no local delivery in the hqdesk test server
default_transport = error:5.1.2 no outside delivery from the hqdesk test server
alias_maps =
alias_database =
biff = no
maillog_file_prefixes = $MAIL_TMP
maillog_file = $pf/postfix.log
message_size_limit = 52428800
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
EOF
  cat >"$pf/etc/master.cf" <<EOF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
127.0.0.1:$SMTPS_PORT inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
tlsmgr    unix  - - n 1000? 1 tlsmgr
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF

  /usr/sbin/dovecot -c "$dc/dovecot.conf" || { mail_log_tail; die "Dovecot failed to start"; }
  # postfix prints its errors only to a terminal or to its log.
  /usr/sbin/postfix -c "$pf/etc" start >"$pf/start.log" 2>&1 || {
    cat "$pf/start.log" >&2
    mail_log_tail
    die "Postfix failed to start"
  }
  wait_port "$IMAP_PORT" || { mail_log_tail; die "Dovecot does not listen on 127.0.0.1:$IMAP_PORT"; }
  wait_port "$SMTP_PORT" || { mail_log_tail; die "Postfix does not listen on 127.0.0.1:$SMTP_PORT"; }
  wait_port "$IMAPS_PORT" || { mail_log_tail; die "Dovecot does not listen on 127.0.0.1:$IMAPS_PORT"; }
  wait_port "$SMTPS_PORT" || { mail_log_tail; die "Postfix does not listen on 127.0.0.1:$SMTPS_PORT"; }
  echo "Dovecot IMAP on 127.0.0.1:$IMAP_PORT (IMAPS $IMAPS_PORT), Postfix SMTP on 127.0.0.1:$SMTP_PORT (SMTPS $SMTPS_PORT); STARTTLS offered, CA $MAIL_TMP/tls/ca.pem (mail in $MAIL_TMP)"
}

# axe-core, the accessibility checker the browser tests inject into every page they audit. A
# pinned version from the npm registry, checked against its published sha512, cached under
# target/test-tools/. Sets AXE_JS.
AXE_VERSION="4.14.1"
AXE_SHA512="FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
fetch_axe() {
  local dir="$REPO/target/test-tools/axe-core-$AXE_VERSION"
  AXE_JS="$dir/axe.min.js"
  [[ -s "$AXE_JS" ]] && return 0
  command -v npm >/dev/null 2>&1 || die "npm is needed to fetch axe-core $AXE_VERSION (install nodejs and npm)"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null) ||
    die "could not fetch axe-core $AXE_VERSION from the npm registry"
  local tgz="$dir/axe-core-$AXE_VERSION.tgz" sum
  sum="$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [[ "$sum" == "$AXE_SHA512" ]] || die "axe-core-$AXE_VERSION.tgz: sha512 $sum, expected $AXE_SHA512"
  tar -xzf "$tgz" -C "$dir" package/axe.min.js
  mv "$dir/package/axe.min.js" "$AXE_JS"
  rm -rf "$dir/package" "$tgz"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

install_requirements

step "postgres"
start_postgres
export HQDESK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export HQDESK_TEST_PG_BIN="$PG_BIN"
export HQDESK_REQUIRE_POSTGRES=1
export HQDESK_REQUIRE_BROWSER=1
step "axe-core"
fetch_axe
export HQDESK_AXE_JS="$AXE_JS"
echo "axe-core $AXE_VERSION: $AXE_JS"

if is_root; then
  step "mail servers"
  start_mail_servers
  export HQDESK_TEST_IMAP="127.0.0.1:$IMAP_PORT"
  export HQDESK_TEST_SMTP="127.0.0.1:$SMTP_PORT"
  export HQDESK_TEST_MAIL_PASSWORD="$MAIL_PASSWORD"
  export HQDESK_TEST_IMAPS="127.0.0.1:$IMAPS_PORT"
  export HQDESK_TEST_SMTPS="127.0.0.1:$SMTPS_PORT"
  # The tests trust the throwaway CA (rustls-native-certs reads SSL_CERT_FILE instead of the
  # system store; nothing else in the tests uses TLS).
  export SSL_CERT_FILE="$MAIL_TMP/tls/ca.pem"
  export HQDESK_TEST_MAIL_DOMAINS="hqdesk.test khach.test"
  export HQDESK_REQUIRE_MAIL=1
else
  # Postfix's master must start as root; the email tests skip (and say so).
  echo "not root: no Dovecot/Postfix, the email transport tests will skip" >&2
fi
export HQDESK_TEST_OUTPUT="$REPO/target/test-output"
mkdir -p "$HQDESK_TEST_OUTPUT"

if [[ $# -gt 0 && "${HQDESK_QUICK:-}" == 1 ]]; then
  echo "HQDESK_QUICK=1: skipping fmt and clippy"
else
  step "fmt"
  cargo fmt --all -- --check
  step "clippy"
  cargo clippy --workspace --all-targets --locked -- -D warnings
fi

if cargo nextest --version >/dev/null 2>&1; then
  step "tests (cargo nextest, profile ci)"
  cargo nextest run --workspace --locked --profile ci "$@"
else
  step "tests (cargo test; cargo-nextest is not installed)"
  cargo test --workspace --locked "$@"
fi
