// Command parquetjsonl converts a labelled text parquet file (columns text
// and label, as in the deepset prompt-injections splits) into the JSONL the
// injection trainer reads: one {"text","label","lang","source","doc"} object
// a line, in the file's row order.
//
//	go run ./guard/inject/parquetjsonl -in train.parquet -source deepset-train > testdata/injection/deepset-train.jsonl
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"

	"kontext/guard/inject/corpus"
)

type row struct {
	Text  string `parquet:"text"`
	Label int64  `parquet:"label"`
}

func main() {
	in := flag.String("in", "", "parquet file to read")
	source := flag.String("source", "", "source name written into every row")
	flag.Parse()
	if err := run(*in, *source, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "parquetjsonl:", err)
		os.Exit(1)
	}
}

func run(in, source string, w io.Writer) error {
	rows, err := parquet.ReadFile[row](in)
	if err != nil {
		return fmt.Errorf("read %s: %w", in, err)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i, r := range rows {
		ex := corpus.Example{Text: r.Text, Label: int(r.Label), Lang: corpus.GuessLang(r.Text), Source: source, Doc: fmt.Sprintf("%s-%d", source, i)}
		if err := enc.Encode(ex); err != nil {
			return fmt.Errorf("write row %d: %w", i, err)
		}
	}
	return nil
}
