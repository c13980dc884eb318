#!/usr/bin/env bash
# scripts/db.sh makes a PostgreSQL server with the pgvector extension and the
# kontext database available, installing and starting whatever is missing.
#
# It is idempotent: a re-run when everything is in place only checks and exits.
#
#   DATABASE_URL        if set, reachable and offering the vector extension,
#                       nothing else is done.
#   KONTEXT_PG_MAJOR    PostgreSQL major version to install when none is
#                       installed (default: the distribution's).
#   KONTEXT_DB_PASSWORD password for the roles created here (default: kontext).
#
# Roles created (see README "Database roles"):
#   kontext_owner  owns the schema, runs migrations, may create test databases
#   kontext        the application's role: no ownership, no BYPASSRLS, so
#                  row-level security applies to every query it makes
set -euo pipefail

PGVECTOR_SUITE="trixie"
PGVECTOR_MIRROR="${KONTEXT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DB_NAME="kontext"
APP_ROLE="kontext"
OWNER_ROLE="kontext_owner"
PASSWORD="${KONTEXT_DB_PASSWORD:-kontext}"

step() { printf '==> %s\n' "$*"; }
ok() { printf '    %s\n' "$*"; }
die() { printf 'db.sh: %s\n' "$*" >&2; exit 1; }

# 0. The PDF tools ingest runs as bounded processes: pdfinfo and pdftohtml
# (Poppler's utilities) under prlimit (util-linux). Installed with apt-get
# where missing; elsewhere a note says what to install.
if ! command -v pdftohtml >/dev/null 2>&1 || ! command -v pdfinfo >/dev/null 2>&1; then
	if command -v apt-get >/dev/null 2>&1; then
		step "apt-get install poppler-utils (PDF ingest)"
		pdf_sudo=""; [[ $(id -u) -ne 0 ]] && pdf_sudo="sudo"
		{ $pdf_sudo apt-get update -qq && $pdf_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null; } ||
			ok "installing poppler-utils failed: PDF documents are refused until pdfinfo and pdftohtml are installed"
	else
		ok "pdftohtml not found: install Poppler's utilities (poppler-utils, brew install poppler) to ingest PDFs"
	fi
fi

# 1. A configured database that already has what Kontext needs.
if [[ -n "${DATABASE_URL:-}" ]] && command -v psql >/dev/null 2>&1; then
	step "checking DATABASE_URL"
	if avail=$(psql "$DATABASE_URL" -XAtqc "select count(*) from pg_available_extensions where name = 'vector'" 2>/dev/null) && [[ "$avail" == "1" ]]; then
		ok "reachable, vector extension available: nothing to do"
		exit 0
	fi
	ok "not reachable or without the vector extension: setting up a local server"
fi

# 2. Only Debian and Ubuntu are set up automatically.
os_id=""; os_like=""
if [[ -r /etc/os-release ]]; then
	# shellcheck disable=SC1091
	. /etc/os-release
	os_id="${ID:-}"; os_like="${ID_LIKE:-}"
fi
if [[ "$os_id" != debian && "$os_id" != ubuntu && "$os_like" != *debian* ]]; then
	cat >&2 <<'EOF'
db.sh: automatic set-up supports Debian and Ubuntu only.
Install PostgreSQL 15 or newer with pgvector 0.8 yourself, for example
  macOS:   brew install postgresql@17 pgvector && brew services start postgresql@17
  Fedora:  dnf install postgresql-server postgresql-contrib pgvector
then create the roles and database as in README "Database roles" and set
DATABASE_URL and KONTEXT_OWNER_DATABASE_URL.
EOF
	exit 1
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing: run as root or install sudo"
	SUDO="sudo"
fi
as_postgres() {
	if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

apt_updated=0
apt_install() {
	if [[ $apt_updated -eq 0 ]]; then
		step "apt-get update"
		$SUDO apt-get update -qq
		apt_updated=1
	fi
	step "apt-get install $*"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 3. PostgreSQL server.
step "checking PostgreSQL server"
pg_major() { ls -1 /usr/lib/postgresql 2>/dev/null | sort -n | while read -r v; do [[ -x /usr/lib/postgresql/$v/bin/postgres ]] && echo "$v"; done | tail -n1; }
MAJOR="$(pg_major)"
if [[ -z "$MAJOR" ]]; then
	if [[ -n "${KONTEXT_PG_MAJOR:-}" ]]; then
		apt_install "postgresql-${KONTEXT_PG_MAJOR}" postgresql-contrib
	else
		apt_install postgresql postgresql-contrib
	fi
	MAJOR="$(pg_major)"
	[[ -n "$MAJOR" ]] || die "PostgreSQL server was installed but no /usr/lib/postgresql/*/bin/postgres was found"
fi
command -v psql >/dev/null 2>&1 || apt_install "postgresql-client-${MAJOR}"
ok "PostgreSQL ${MAJOR}"
PG_CONFIG="/usr/lib/postgresql/${MAJOR}/bin/pg_config"

# 4. pgvector, built from Debian's source package when the extension is missing.
step "checking pgvector"
extdir="/usr/share/postgresql/${MAJOR}/extension"
if [[ ! -f "$extdir/vector.control" ]]; then
	need=()
	dpkg -s "postgresql-server-dev-${MAJOR}" >/dev/null 2>&1 || need+=("postgresql-server-dev-${MAJOR}")
	dpkg -s dpkg-dev >/dev/null 2>&1 || need+=(dpkg-dev)
	dpkg -s make >/dev/null 2>&1 || need+=(make)
	dpkg -s gcc >/dev/null 2>&1 || need+=(gcc)
	dpkg -s debian-archive-keyring >/dev/null 2>&1 || need+=(debian-archive-keyring)
	[[ ${#need[@]} -eq 0 ]] || apt_install "${need[@]}"

	work="$(mktemp -d /tmp/kontext-pgvector.XXXXXX)"
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
	# The trixie deb-src entry is given only to these apt calls; the system's
	# sources are neither read nor changed.
	cat >"$work/sources.list" <<EOF
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${PGVECTOR_MIRROR} ${PGVECTOR_SUITE} main
EOF
	aptopts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root")
	step "fetching pgvector source package from Debian ${PGVECTOR_SUITE}"
	apt-get "${aptopts[@]}" update -qq
	(cd "$work/src" && apt-get "${aptopts[@]}" source -qq pgvector >/dev/null)
	srcdir="$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
	[[ -n "$srcdir" ]] || die "apt-get source pgvector produced no source directory"
	version="${srcdir##*/pgvector-}"
	case "$version" in
	0.8.*|0.9.*|[1-9]*) ;;
	*) die "pgvector ${version} from ${PGVECTOR_SUITE} is older than 0.8" ;;
	esac
	step "building pgvector ${version} against PostgreSQL ${MAJOR}"
	# OPTFLAGS="" keeps the build portable (no -march=native).
	make -s -C "$srcdir" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" -j"$(nproc)" >/dev/null
	$SUDO make -s -C "$srcdir" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >/dev/null
	ok "installed pgvector ${version}"
else
	ok "vector extension files present"
fi

# 5. A running cluster.
step "checking cluster"
cluster="$(pg_lsclusters -h 2>/dev/null | awk -v m="$MAJOR" '$1 == m {print $2; exit}')"
if [[ -z "$cluster" ]]; then
	step "creating cluster ${MAJOR}/main"
	$SUDO pg_createcluster "$MAJOR" main >/dev/null
	cluster="main"
fi
read -r port status < <(pg_lsclusters -h | awk -v m="$MAJOR" -v c="$cluster" '$1 == m && $2 == c {print $3, $4}')
if [[ "$status" != online* ]]; then
	step "starting cluster ${MAJOR}/${cluster}"
	$SUDO pg_ctlcluster "$MAJOR" "$cluster" start
fi
ok "cluster ${MAJOR}/${cluster} online on port ${port}"
psql_su() { as_postgres psql -XAtq -p "$port" -v ON_ERROR_STOP=1 "$@"; }

# 6. Memory sized for the machine, once: a cluster still on the packaged
# default of 128 MB shared buffers gets a quarter of the RAM (at most 8 GB),
# so the chunks and their vector index stay in memory. A cluster someone
# tuned is left alone.
if [[ "$(psql_su -d postgres -c "SELECT setting FROM pg_settings WHERE name = 'shared_buffers'")" == "16384" ]]; then
	mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	sb_mb=$(( mem_kb / 4 / 1024 )); (( sb_mb > 8192 )) && sb_mb=8192
	if (( sb_mb > 256 )); then
		step "sizing memory: shared_buffers ${sb_mb}MB, effective_cache_size $(( mem_kb / 2 / 1024 ))MB"
		psql_su -d postgres -c "ALTER SYSTEM SET shared_buffers = '${sb_mb}MB'" \
			-c "ALTER SYSTEM SET effective_cache_size = '$(( mem_kb / 2 / 1024 ))MB'" \
			-c "ALTER SYSTEM SET maintenance_work_mem = '512MB'" >/dev/null
		$SUDO pg_ctlcluster "$MAJOR" "$cluster" restart
	fi
fi

# 7. Roles, database and extension.
step "checking roles, database and extension"
psql_su -d postgres -v pw="$PASSWORD" -v app="$APP_ROLE" -v owner="$OWNER_ROLE" <<'EOF'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L CREATEDB NOSUPERUSER NOBYPASSRLS', :'owner', :'pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', :'app', :'pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('GRANT %I TO %I', :'app', :'owner')
WHERE NOT pg_has_role(:'owner', :'app', 'MEMBER') \gexec
EOF
if [[ "$(psql_su -d postgres -c "select count(*) from pg_database where datname = '${DB_NAME}'")" != "1" ]]; then
	step "creating database ${DB_NAME}"
	psql_su -d postgres -c "CREATE DATABASE ${DB_NAME} OWNER ${OWNER_ROLE}"
fi
# The vector extension is not a trusted extension, so a superuser creates it,
# here and in template1 so that databases created for tests have it too.
for db in "$DB_NAME" template1; do
	psql_su -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS vector"
done
ok "database ${DB_NAME}, roles ${OWNER_ROLE} and ${APP_ROLE}, extension vector: ready"

if [[ "$port" != 5432 ]]; then
	ok "note: the cluster listens on port ${port}; set DATABASE_URL and KONTEXT_OWNER_DATABASE_URL accordingly"
fi
