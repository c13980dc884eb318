#!/usr/bin/env bash
# Vendors the Swagger UI bundle that /docs serves into api/docs/: fetches
# the pinned swagger-ui-dist package with npm, checks its integrity, and
# copies the built files (and the licence) next to the page that loads them.
# Run it to change the version; commit the result.
set -euo pipefail

VERSION="${SWAGGER_UI_VERSION:-5.35.0}"
cd "$(dirname "$0")/.."
dest=api/docs
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "fetching swagger-ui-dist@$VERSION"
(cd "$work" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null)
tarball="$work/swagger-ui-dist-$VERSION.tgz"
want="$(npm view "swagger-ui-dist@$VERSION" dist.integrity)"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$want" != "$got" ]]; then
	echo "integrity mismatch: registry says $want, tarball is $got" >&2
	exit 1
fi
tar -xzf "$tarball" -C "$work"

for f in swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE; do
	if [[ -f "$work/package/$f" ]]; then
		cp "$work/package/$f" "$dest/$f"
	fi
done
# Source maps point at files that are not served.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/swagger-ui-bundle.js"
sed -i 's|/\*# sourceMappingURL=.*\*/||' "$dest/swagger-ui.css"

license="$(npm view "swagger-ui-dist@$VERSION" license)"
cat >"$dest/VERSION" <<EOV
swagger-ui-dist $VERSION
license: $license (see LICENSE and NOTICE)
integrity: $want
vendored by scripts/vendor-docs.sh
EOV
echo "api/docs: swagger-ui-dist $VERSION ($license)"
