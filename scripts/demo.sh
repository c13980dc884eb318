#!/usr/bin/env bash
# scripts/demo.sh loads the demo corpus in examples/ into the tenant "acme"
# and makes an editor key for it. Idempotent: unchanged documents are not
# re-embedded. Usage: scripts/demo.sh [path/to/kontext]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-bin/kontext}"
EX=examples/acme

"$BIN" migrate --log-level warn >/dev/null
"$BIN" tenants create acme --name "Firnwerk (demo)" --exists-ok
ingest() { "$BIN" ingest "$@" --tenant acme --log-level warn; }
echo "==> public product knowledge"
ingest "$EX/products" "$EX/faq.de.md" "$EX/faq.en.md" "$EX/press-release-2026-autumn.md" --groups marketing,support --classification public
echo "==> internal brand guide (writing rules, never cited) and price list"
ingest "$EX/brand-guide.md" "$EX/brand-guide.de.md" --groups marketing --classification internal --purpose guideline
ingest "$EX/price-list.md" --groups marketing --classification internal
echo "==> confidential strategy"
ingest "$EX/internal" --groups management,legal --classification confidential
echo "==> support mail"
ingest "$EX/support" --groups support --classification internal --purpose correspondence
echo "==> supplier notes (one hides an instruction to an AI: it is quarantined)"
ingest "$EX/poisoned" --groups marketing --classification internal
if [[ ! -s .demo-key ]]; then
	"$BIN" keys create --tenant acme --user demo --groups marketing,support --clearance internal --role editor --name demo >.demo-key 2>/dev/null
	chmod 600 .demo-key
fi
echo "==> demo key for tenant acme (editor, groups marketing,support) in .demo-key:"
echo "    curl -H \"Authorization: Bearer \$(cat .demo-key)\" localhost:8080/v1/documents"
if [[ ! -s .demo-reviewer-key ]]; then
	"$BIN" keys create --tenant acme --user demo-reviewer --groups marketing,support --clearance internal --role reviewer --name demo-reviewer >.demo-reviewer-key 2>/dev/null
	chmod 600 .demo-reviewer-key
fi
echo "==> review desk: open http://localhost:8080/ and paste the key from .demo-key (editor) or .demo-reviewer-key (reviewer)"
