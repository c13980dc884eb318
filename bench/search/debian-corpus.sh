#!/usr/bin/env bash
# Fetches the real-text corpus of bench/search: the package descriptions of
# a Debian release in English and German (Translation-en, Translation-de),
# from the Debian mirror apt uses. The release file is checked against the
# Debian archive keyring with gpgv and each file against its SHA-256 in it.
#
#   bash bench/search/debian-corpus.sh [DIR]     (default bench/search/.corpus)
#
# DEBIAN_MIRROR (default http://deb.debian.org/debian) and DEBIAN_SUITE
# (default bookworm) choose the source. Files already present are kept.
set -euo pipefail

dir=${1:-bench/search/.corpus}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}
keyring=${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}

die() { echo "debian-corpus: $*" >&2; exit 1; }
for tool in curl gpgv sha256sum xz bzip2; do
	command -v "$tool" >/dev/null || die "$tool is missing"
done
[[ -r "$keyring" ]] || die "no Debian archive keyring at $keyring (package debian-archive-keyring)"
mkdir -p "$dir"

if [[ -s "$dir/Translation-en" && -s "$dir/Translation-de" ]]; then
	echo "debian-corpus: $dir already holds the corpus"
	exit 0
fi

curl -fsS --retry 3 -o "$dir/InRelease" "$mirror/dists/$suite/InRelease"
gpgv --keyring "$keyring" "$dir/InRelease" 2>/dev/null || die "$mirror/dists/$suite/InRelease: signature check failed"

fetch() { # fetch PATH-IN-RELEASE DECOMPRESSOR
	local path=$1 unpack=$2 name sum
	name=$(basename "$path")
	sum=$(awk -v f="$path" '/^SHA256:/ {in256 = 1; next} /^[^ ]/ {in256 = 0} in256 && $3 == f {print $1}' "$dir/InRelease")
	[[ -n "$sum" ]] || die "$path is not listed in the release file"
	curl -fsS --retry 3 -o "$dir/$name" "$mirror/dists/$suite/$path"
	echo "$sum  $dir/$name" | sha256sum -c --quiet - || die "$path: checksum mismatch"
	"$unpack" -dc "$dir/$name" >"$dir/${name%.*}.tmp"
	mv "$dir/${name%.*}.tmp" "$dir/${name%.*}"
	rm -f "$dir/$name"
	echo "debian-corpus: $path ($(grep -c '^Package:' "$dir/${name%.*}") descriptions)"
}
fetch main/i18n/Translation-en.xz xz
fetch main/i18n/Translation-de.bz2 bzip2
