#!/bin/sh
# Fetches the Vaswani/NPL collection (TREC-format copy in pyterrier's test
# fixtures, pinned commit) into testdata/vaswani for bench/retrieval. It is
# not part of the repository: its owners publish it for research use and
# grant no licence to redistribute it (testdata/vaswani/SOURCES.md).
set -eu
commit=9230fe5dc85358027ecda53d330a542e41a270cd
base=https://raw.githubusercontent.com/terrier-org/pyterrier/$commit/tests/fixtures/vaswani_npl
dir=$(dirname "$0")/../../testdata/vaswani
curl -fsSL -o "$dir/doc-text.trec" "$base/corpus/doc-text.trec"
curl -fsSL -o "$dir/query-text.trec" "$base/query-text.trec"
curl -fsSL -o "$dir/qrels" "$base/qrels"
curl -fsSL -o "$dir/README.md" "$base/README.md"
echo "fetched the Vaswani/NPL collection into $dir"
