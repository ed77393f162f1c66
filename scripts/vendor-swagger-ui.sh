#!/usr/bin/env bash
# Fetches Swagger UI's prebuilt files (npm package swagger-ui-dist, Apache
# 2.0) into extension/searchapi/web/vendor/swagger-ui/, which `go build`
# embeds for GET /docs. Reproducible: a pinned version and its checksums.
#   scripts/vendor-swagger-ui.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=5.32.0
dest=extension/searchapi/web/vendor/swagger-ui
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf "swagger-ui-dist-$version.tgz")
mkdir -p "$dest"
for f in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
	cp "$work/package/$f" "$dest/$f"
done
echo "$version" >"$dest/VERSION"
if [[ -f "$dest/SHA256SUMS" ]]; then
	# The committed checksums: a changed package fails here.
	(cd "$dest" && sha256sum --quiet -c SHA256SUMS)
else
	(cd "$dest" && sha256sum swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE >SHA256SUMS)
	echo "wrote $dest/SHA256SUMS for swagger-ui-dist $version: review and commit it" >&2
fi
