#!/usr/bin/env bash
# aidcoord-backup DIR: back up aidcoord's database into DIR, with the fingerprints a restore is checked by.
#
# Writes, under one time stamp (aidcoord-YYYYmmddTHHMMSSZ):
#   .dump     PostgreSQL: pg_dump --format=custom of the whole database (restore with pg_restore);
#   .sqlite   SQLite: the database file, copied by sqlite3's online backup;
#   .tar.gz   the state bundle of `aidcoord state export` (restore with `aidcoord state import`);
#   .txt      the export's report (state digest, audit chain head, fingerprint) and the dump's digest.
# Deletes aidcoord-* files in DIR older than KEEP_DAYS days (default 14). The database is
# AIDCOORD_DATABASE_URL's; `aidcoord`, pg_dump or sqlite3 must be on PATH. Installed by
# docs/operations.md as /usr/local/bin/aidcoord-backup and run daily by aidcoord-backup.timer.
set -euo pipefail

dir=${1:?usage: aidcoord-backup DIR}
keep=${KEEP_DAYS:-14}
url=${AIDCOORD_DATABASE_URL:?AIDCOORD_DATABASE_URL is not set}
umask 077
mkdir -p "$dir"
base="$dir/aidcoord-$(date -u +%Y%m%dT%H%M%SZ)"

digest() { aidcoord state digest | tail -n 1 | sed 's/^state digest: //'; }

# Every change is audited, and the audit trail is in the digest: the same digest before and after the
# dump means nothing changed while it ran, so the dump holds exactly that state.
before=$(digest)
case "$url" in
  postgresql://* | postgres://*)
    pg_dump --format=custom --file="$base.dump" "$url"
    ;;
  sqlite:///*)
    sqlite3 "${url#sqlite:///}" ".backup '$base.sqlite'"
    ;;
  *)
    echo "aidcoord-backup: cannot dump $url (use a postgresql:// or sqlite:/// URL)" >&2
    exit 2
    ;;
esac
after=$(digest)

aidcoord state export --out "$base.tar.gz" > "$base.txt"
if [ "$before" = "$after" ]; then
  echo "dump state digest: $before" >> "$base.txt"
else
  echo "dump state digest: unknown (the state changed while the dump ran)" >> "$base.txt"
fi

find "$dir" -maxdepth 1 -name 'aidcoord-*' -type f -mtime "+$keep" -delete
cat "$base.txt"
