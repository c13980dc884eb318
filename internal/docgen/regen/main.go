// Command regen writes the generated documents of package docgen into a
// directory (default testdata/documents): go run ./internal/docgen/regen.
// Refresh their golden text afterwards with go test ./ingest -run TestDocumentFixtures -update.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"kontext/internal/docgen"
)

func main() {
	dir := flag.String("out", "testdata/documents", "directory to write the documents to")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "regen:", err)
		os.Exit(1)
	}
	for _, f := range docgen.Fixtures() {
		b, err := f.Build()
		if err == nil {
			err = os.WriteFile(filepath.Join(*dir, f.Name), b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "regen: %s: %v\n", f.Name, err)
			os.Exit(1)
		}
		fmt.Printf("%s (%d bytes)\n", f.Name, len(b))
	}
}
