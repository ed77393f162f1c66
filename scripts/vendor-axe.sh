#!/usr/bin/env bash
# Fetches axe-core (npm, MPL-2.0) into test/e2e/testdata/axe/, which
# TestWebUI injects into the page to check it for accessibility violations.
# Reproducible: a pinned version and its checksums.
#   scripts/vendor-axe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.10.2
dest=test/e2e/testdata/axe
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf "axe-core-$version.tgz")
mkdir -p "$dest"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$dest/"
echo "$version" >"$dest/VERSION"
if [[ -f "$dest/SHA256SUMS" ]]; then
	(cd "$dest" && sha256sum --quiet -c SHA256SUMS)
else
	(cd "$dest" && sha256sum axe.min.js LICENSE >SHA256SUMS)
	echo "wrote $dest/SHA256SUMS for axe-core $version: review and commit it" >&2
fi
