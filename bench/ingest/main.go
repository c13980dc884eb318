// Command ingest measures ingestion end to end against the physical
// reference: N synthetic product-sheet chunks (German and English) are
// parsed, chunked, embedded with the offline embedder and written through
// the Ingester into chunks with its HNSW index present; beside it the same
// precomputed rows are COPYed into an identical table with the same indexes.
// It also reports parse+chunk alone, embedding alone and a bulk load (index
// dropped, rows loaded, index rebuilt).
//
//	go run ./bench/ingest -chunks 20000
//
// With -documents it measures the PDF and Word parsers instead, without a
// database: pages a second, the memory of a large PDF, hostile files.
//
//	go run ./bench/ingest -documents -pages 200 -big-mb 100
//
// It creates and drops a database of its own (internal/benchdb).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"kontext"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/ingest"
	"kontext/internal/benchdb"
	"kontext/llm"
)

func main() {
	chunks := flag.Int("chunks", 20000, "chunks to ingest")
	perDoc := flag.Int("per-doc", 20, "sections (chunks) per document")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0)*2, "documents ingested at once")
	documents := flag.Bool("documents", false, "measure the PDF and Word parsers instead (no database): pages/s, a large PDF's memory, hostile files")
	pages := flag.Int("pages", 200, "pages of the generated PDF and Word documents (-documents)")
	bigMB := flag.Int("big-mb", 100, "approximate size of the large PDF in MB (-documents)")
	flag.Parse()
	if *documents {
		if err := runDocuments(*pages, *bigMB); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*chunks, *perDoc, *workers); err != nil {
		log.Fatal(err)
	}
}

func run(nChunks, perDoc, workers int) error {
	ctx := context.Background()
	db, err := benchdb.Open(ctx, int32(workers+2))
	if err != nil {
		return err
	}
	defer db.Close()
	owner, app := db.Owner, db.App
	emb := llm.NewHashEmbedder(384)
	if _, err := ingest.EnsureIndex(ctx, owner, emb.Model(), emb.Dimensions()); err != nil {
		return err
	}
	p := kontext.Principal{Tenant: "bench", User: "bench", Groups: []string{"marketing"}, Clearance: kontext.Confidential, Role: kontext.Editor}
	if err := db.CreateTenant(ctx, "bench"); err != nil {
		return err
	}

	docs := generate(nChunks/perDoc, perDoc)
	var bytesTotal int
	for _, d := range docs {
		bytesTotal += len(d)
	}
	fmt.Printf("machine: %d cores (GOMAXPROCS %d), %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("corpus: %d documents, %.1f MB\n\n", len(docs), float64(bytesTotal)/1e6)

	// 1. Parse and chunk alone.
	start := time.Now()
	var all []ingest.Chunk
	for i, d := range docs {
		parsed, err := ingest.Parse(fmt.Sprintf("d%d.md", i), "", []byte(d))
		if err != nil {
			return err
		}
		cs, err := ingest.Split(parsed, ingest.ChunkOptions{})
		if err != nil {
			return err
		}
		all = append(all, cs...)
	}
	parseDur := time.Since(start)
	// 2. Embedding alone.
	texts := make([]string, len(all))
	for i, c := range all {
		texts[i] = c.HeadingPath + "\n" + c.Text
	}
	start = time.Now()
	vecs, err := emb.Embed(ctx, texts)
	if err != nil {
		return err
	}
	embedDur := time.Since(start)

	// 3. End to end through the Ingester, HNSW index present.
	// The guard's checks run as they do in production: personal data and
	// injection scanning of every document.
	det := pii.NewDetector(pii.DetectorOptions{})
	inj := inject.NewInjectionScanner(inject.InjectionOptions{})
	in, err := ingest.New(app, ingest.Options{Embedder: emb, Secret: []byte("bench-secret-bench-secret-bench!"),
		Scanners: ingest.Scanners{PII: det.Detect, Injection: func(text string) (bool, float64, []string) {
			r := inj.Scan(text, inject.Document)
			return r.Injection, r.Score, r.Reasons
		}}})
	if err != nil {
		return err
	}
	ingestDur, stored, err := ingestAll(ctx, in, p, docs, workers, "a")
	if err != nil {
		return err
	}

	// 4. Physical reference: COPY of the same rows into an identical table
	// with the same indexes (COPY is refused on tables with row-level
	// security, so the reference table has none).
	if _, err := owner.Exec(ctx, "CREATE TABLE chunks_raw (LIKE chunks INCLUDING ALL)"); err != nil {
		return err
	}
	var docID string
	if err := owner.QueryRow(ctx, "SELECT gen_random_uuid()::text").Scan(&docID); err != nil {
		return err
	}
	rows := make([][]any, len(all))
	for i, c := range all {
		rows[i] = []any{docID, "bench", i, c.HeadingPath, c.Text, c.Start, c.End, c.Tokens, "de",
			pgvector.NewVector(vecs[i]), emb.Model(), "internal", []string{"marketing"}, []string{}, false, "active"}
	}
	cols := []string{"document_id", "tenant", "ordinal", "heading_path", "text", "start_offset", "end_offset", "token_count",
		"language", "embedding", "embedding_model", "classification", "allowed_groups", "allowed_users", "tenant_wide", "status"}
	start = time.Now()
	const batch = 1000
	for i := 0; i < len(rows); i += batch {
		if _, err := owner.CopyFrom(ctx, pgx.Identifier{"chunks_raw"}, cols, pgx.CopyFromRows(rows[i:min(i+batch, len(rows))])); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
	}
	copyDur := time.Since(start)

	// 5. Bulk: drop the index, ingest, rebuild it.
	if _, err := owner.Exec(ctx, "TRUNCATE chunks, documents CASCADE"); err != nil {
		return err
	}
	start = time.Now()
	if err := ingest.DropIndex(ctx, owner, emb.Model()); err != nil {
		return err
	}
	loadDur, _, err := ingestAll(ctx, in, p, docs, workers, "b")
	if err != nil {
		return err
	}
	if _, err := owner.Exec(ctx, "SET maintenance_work_mem = '512MB'"); err != nil {
		return err
	}
	if _, err := ingest.EnsureIndex(ctx, owner, emb.Model(), emb.Dimensions()); err != nil {
		return err
	}
	bulkDur := time.Since(start)

	rate := func(n int, d time.Duration) string { return fmt.Sprintf("%8.0f chunks/s", float64(n)/d.Seconds()) }
	fmt.Printf("%-44s %8s %s\n", "stage", "seconds", "       rate")
	fmt.Printf("%-44s %8.2f %s  (%.1f MB/s)\n", "parse + chunk alone", parseDur.Seconds(), rate(len(all), parseDur), float64(bytesTotal)/1e6/parseDur.Seconds())
	fmt.Printf("%-44s %8.2f %s\n", "embed alone (offline, 384-d)", embedDur.Seconds(), rate(len(all), embedDur))
	fmt.Printf("%-44s %8.2f %s\n", "ingest end to end, HNSW present", ingestDur.Seconds(), rate(stored, ingestDur))
	fmt.Printf("%-44s %8.2f %s\n", "raw COPY of the same rows, same indexes", copyDur.Seconds(), rate(len(all), copyDur))
	fmt.Printf("%-44s %8.2f %s  (load %.2fs + index build)\n", "bulk: drop index, ingest, rebuild index", bulkDur.Seconds(), rate(stored, bulkDur), loadDur.Seconds())
	fmt.Printf("\ningest / raw COPY = %.2f\n", (float64(stored)/ingestDur.Seconds())/(float64(len(all))/copyDur.Seconds()))
	return nil
}

// ingestAll ingests every document with a pool of workers.
func ingestAll(ctx context.Context, in *ingest.Ingester, p kontext.Principal, docs []string, workers int, prefix string) (time.Duration, int, error) {
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	stored := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res, err := in.Ingest(ctx, ingest.Request{Principal: p, Name: fmt.Sprintf("d%d.md", i),
					ExternalID: fmt.Sprintf("%s/%d", prefix, i), Data: []byte(docs[i]), Classification: kontext.Internal,
					AllowedGroups: []string{"marketing"}})
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				stored += res.Chunks
				mu.Unlock()
			}
		}()
	}
	for i := range docs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return time.Since(start), stored, firstErr
}

var (
	products  = []string{"EcoBottle 500", "EcoBottle 750", "TrailMug 350", "Lunchbox Duo", "ThermoJar 1 L", "KidsCup 300", "SportCap Bottle", "Brotdose Klick"}
	materials = []string{"Edelstahl 18/8", "Borosilikatglas", "Tritan", "Bambusfaser", "lebensmittelechtes Silikon", "stainless steel", "polypropylene"}
	deSent    = []string{
		"Die %s besteht aus %s und ist %s.", "Bitte reinige die %s nach jedem Gebrauch mit warmem Wasser.",
		"Der Deckel der %s ist aus %s gefertigt und hält bis zu %d Stunden dicht.", "Die %s fasst %d ml und wiegt ca. %d g.",
		"Für die %s gilt eine Garantie von %d Jahren auf Material- und Verarbeitungsfehler.", "Die %s ist in %d Farben erhältlich, z. B. Salbei und Sand.",
		"Kann ich die %s einfrieren? Nein, denn gefrorene Flüssigkeit dehnt sich aus.", "Die Dichtung der %s lässt sich abnehmen und separat reinigen.",
	}
	enSent = []string{
		"The %s is made of %s and is %s.", "Rinse the %s with warm water after each use.",
		"The lid of the %s is made of %s and stays leak-proof for %d hours.", "The %s holds %d ml and weighs approx. %d g.",
		"The %s comes with a %d-year warranty on materials and workmanship.", "The %s is available in %d colours, e.g. sage and sand.",
	}
	props = []string{"spülmaschinenfest", "nicht spülmaschinenfest", "dishwasher safe", "BPA-frei", "LFGB-konform"}
)

// generate makes realistic product-sheet documents of perDoc sections,
// each section about one chunk long.
func generate(nDocs, perDoc int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([]string, nDocs)
	for d := range docs {
		var sb strings.Builder
		prod := products[r.IntN(len(products))]
		fmt.Fprintf(&sb, "# %s – Produktblatt %d\n\n", prod, d)
		sents := deSent
		if d%3 == 2 {
			sents = enSent
		}
		for s := 0; s < perDoc; s++ {
			fmt.Fprintf(&sb, "## Abschnitt %d\n\n", s+1)
			for k := 0; k < 10; k++ {
				tpl := sents[r.IntN(len(sents))]
				args := []any{}
				for _, verb := range strings.Split(tpl, "%")[1:] {
					switch verb[0] {
					case 's':
						if len(args) == 0 {
							args = append(args, prod)
						} else if len(args) == 1 {
							args = append(args, materials[r.IntN(len(materials))])
						} else {
							args = append(args, props[r.IntN(len(props))])
						}
					case 'd':
						args = append(args, 2+r.IntN(900))
					}
				}
				sb.WriteString(fmt.Sprintf(tpl, args...))
				sb.WriteByte(' ')
			}
			sb.WriteString("\n\n")
		}
		docs[d] = sb.String()
	}
	return docs
}
