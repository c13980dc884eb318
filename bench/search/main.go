// Command search measures hybrid search: N synthetic chunks of
// natural-text statistics (offline embedder) in three tenants; callers of the largest tenant see
// 1%, 10% and all of its chunks through group access lists. For each
// selectivity it runs Q queries and reports p50/p99 latency of the service
// (retrieval.Store.Search: embedding, planning, SQL), of the same SQL run
// directly (the physical reference), and recall@10 of the vector ranking
// against an exact search over the same visible rows.
//
//	go run ./bench/search -chunks 100000 -queries 500
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
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"kontext"
	"kontext/ingest"
	"kontext/internal/benchdb"
	"kontext/llm"
	"kontext/retrieval"
)

func main() {
	chunks := flag.Int("chunks", 100000, "chunks in all")
	queries := flag.Int("queries", 500, "queries per selectivity")
	flag.BoolVar(&explain, "explain", false, "print the plan of each selectivity's first query")
	flag.Parse()
	if err := run(*chunks, *queries); err != nil {
		log.Fatal(err)
	}
}

var explain bool

// The corpus imitates natural text: a vocabulary of 90 domain words and
// 6,000 invented ones drawn with a Zipf distribution, and documents on
// topics (each document and each query draws most of its words from a
// topic's own 200-word subset), so that vectors cluster as real ones do.
var domain = strings.Fields(`Flasche Edelstahl Deckel Dichtung spülmaschinenfest Becher Thermobecher Isolierung heiß kalt
	Stunden Garantie Ersatzteil Farbe Salbei Sand Nachtblau Lunchbox Fach Silikon BPA-frei Kinder Trinkhalm Versand
	Preis Aktion Herbst Newsletter bottle stainless steel lid seal dishwasher safe mug insulation hot cold hours warranty
	spare part colour jar lunch children straw shipping price offer autumn reinigen pflegen abnehmen einfrieren
	Kohlensäure Tee Kaffee Wasser Arbeitsweg Büro Schule Wandern Fahrrad Halterung Gewicht Inhalt Liter Milliliter`)

var vocabulary = func() []string {
	syl := strings.Fields("ka lo mi ne ru sa te vi bo da fe gu hi jo ku la me no pa qui re si to un ver ste ber lin gen")
	r := rand.New(rand.NewPCG(11, 13))
	words := append([]string(nil), domain...)
	seen := map[string]bool{}
	for len(words) < 6090 {
		n := 2 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syl[r.IntN(len(syl))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}()

type topic []string

func newTopic(r *rand.Rand) topic {
	t := make(topic, 200)
	for i := range t {
		t[i] = vocabulary[r.IntN(len(vocabulary))]
	}
	return t
}

func sentence(r *rand.Rand, t topic, z *rand.Zipf) string {
	n := 8 + r.IntN(10)
	ws := make([]string, n)
	for i := range ws {
		if r.IntN(10) < 6 {
			ws[i] = t[r.IntN(len(t))]
		} else {
			ws[i] = vocabulary[z.Uint64()]
		}
	}
	return strings.Join(ws, " ") + "."
}

func run(nChunks, nQueries int) error {
	ctx := context.Background()
	db, err := benchdb.Open(ctx, 0)
	if err != nil {
		return err
	}
	defer db.Close()
	owner, app := db.Owner, db.App
	emb := llm.NewHashEmbedder(384)

	// Data: tenant "big" holds 90% of the chunks in documents of 50
	// chunks; 1% of the table is in group "one", 10% in "one" or "ten";
	// "big-all" sees every document of the tenant. Tenants "small1" and
	// "small2" hold 5% each.
	start := time.Now()
	r := rand.New(rand.NewPCG(7, 9))
	const perDoc = 50
	docs := nChunks / perDoc
	type docSpec struct {
		tenant string
		groups []string
	}
	specs := make([]docSpec, docs)
	for i := range specs {
		switch {
		case i < docs/100:
			specs[i] = docSpec{"big", []string{"one", "ten", "all"}}
		case i < docs/10:
			specs[i] = docSpec{"big", []string{"ten", "all"}}
		case i < docs*90/100:
			specs[i] = docSpec{"big", []string{"all"}}
		case i < docs*95/100:
			specs[i] = docSpec{"small1", []string{"all"}}
		default:
			specs[i] = docSpec{"small2", []string{"all"}}
		}
	}
	for _, t := range []string{"big", "small1", "small2"} {
		if err := db.CreateTenant(ctx, t); err != nil {
			return err
		}
	}
	z := rand.NewZipf(r, 1.1, 1, uint64(len(vocabulary)-1))
	topics := make([]topic, 300)
	for i := range topics {
		topics[i] = newTopic(r)
	}
	for d, spec := range specs {
		t := topics[r.IntN(len(topics))]
		texts := make([]string, perDoc)
		for i := range texts {
			var sb strings.Builder
			for range 6 {
				sb.WriteString(sentence(r, t, z))
				sb.WriteByte(' ')
			}
			texts[i] = sb.String()
		}
		vecs, _ := emb.Embed(ctx, texts)
		err := pgx.BeginFunc(ctx, app, func(tx pgx.Tx) error {
			p := kontext.Principal{Tenant: spec.tenant}
			sql, args := p.SessionSQL()
			tx.Exec(ctx, sql, args...)
			tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)")
			var id string
			if err := tx.QueryRow(ctx, `INSERT INTO documents (tenant, external_id, title, content_hash, classification, allowed_groups)
				VALUES ($1, $2, $2, '\x00', 'internal', $3) RETURNING id`, spec.tenant, fmt.Sprintf("doc-%d", d), spec.groups).Scan(&id); err != nil {
				return err
			}
			ords := make([]int32, perDoc)
			pv := make([]pgvector.Vector, perDoc)
			for i := range ords {
				ords[i] = int32(i)
				pv[i] = pgvector.NewVector(vecs[i])
			}
			_, err := tx.Exec(ctx, `INSERT INTO chunks (document_id, tenant, ordinal, text, token_count, language, embedding,
					embedding_model, classification, allowed_groups)
				SELECT $1, $2, u.o, u.t, 100, 'de', u.e, $3, 'internal', $4
				FROM unnest($5::int[], $6::text[], $7::vector[]) AS u(o, t, e)`,
				id, spec.tenant, emb.Model(), spec.groups, ords, texts, pv)
			return err
		})
		if err != nil {
			return err
		}
	}
	loadDur := time.Since(start)
	start = time.Now()
	// The graph of a million vectors needs about 2 GB to be built in memory;
	// the setting holds for the connection that builds.
	conn, err := owner.Acquire(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '2GB'"); err != nil {
		conn.Release()
		return err
	}
	_, err = ingest.EnsureIndex(ctx, conn, emb.Model(), emb.Dimensions())
	conn.Release()
	if err != nil {
		return err
	}
	indexDur := time.Since(start)
	owner.Exec(ctx, "VACUUM ANALYZE chunks")
	owner.Exec(ctx, "VACUUM ANALYZE documents")

	store, err := retrieval.New(app, emb, retrieval.Options{})
	if err != nil {
		return err
	}
	fmt.Printf("machine: %d cores, %s; %d chunks (%d documents) loaded in %.0fs, HNSW built in %.0fs\n\n",
		runtime.NumCPU(), runtime.Version(), docs*perDoc, docs, loadDur.Seconds(), indexDur.Seconds())
	fmt.Printf("%-12s %-6s %9s %9s %9s %9s %10s %6s\n", "visible", "path", "p50 ms", "p99 ms", "raw p50", "raw p99", "recall@10", "short")
	zero := 0.0
	for _, sel := range []struct {
		name  string
		group string
	}{{"1%", "one"}, {"10%", "ten"}, {"100%", "all"}} {
		p := kontext.Principal{Tenant: "big", User: "bench", Groups: []string{sel.group}, Clearance: kontext.Internal}
		var svc, raw []time.Duration
		var recall float64
		short := 0
		var path string
		qr := rand.New(rand.NewPCG(3, 4))
		qz := rand.NewZipf(qr, 1.1, 1, uint64(len(vocabulary)-1))
		for range nQueries {
			text := strings.TrimSuffix(sentence(qr, topics[qr.IntN(len(topics))], qz), ".")
			q := retrieval.Query{Text: text, K: 10, PerDocument: 100, TextWeight: &zero}
			var res []retrieval.Result
			service := func() error {
				t0 := time.Now()
				var plan retrieval.Plan
				var err error
				if res, plan, err = store.Search(ctx, p, q); err != nil {
					return err
				}
				svc = append(svc, time.Since(t0))
				path = plan.Path
				if len(res) < 10 {
					short++
				}
				return nil
			}
			// The physical reference: the same SQL, same settings, run
			// directly. Service and reference take turns going first, so
			// neither always finds the pages the other just read.
			vec, _ := emb.Embed(ctx, []string{text})
			st, err := store.Statement(ctx, p, q, vec[0])
			if err != nil {
				return err
			}
			if len(svc)%2 == 0 {
				if err := service(); err != nil {
					return err
				}
			}
			var d time.Duration
			err = pgx.BeginFunc(ctx, app, func(tx pgx.Tx) error {
				sql, args := p.SessionSQL()
				tx.Exec(ctx, sql, args...)
				if explain && len(raw) == 0 {
					sql, args := st.SQL, st.Args
					for _, set := range st.Settings {
						tx.Exec(ctx, set)
					}
					if st.VectorSQL != "" {
						sql, args = st.VectorSQL, st.VectorArgs
					}
					rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
					if err != nil {
						return err
					}
					for rows.Next() {
						var line string
						rows.Scan(&line)
						fmt.Println(line)
					}
					tx.Exec(ctx, "SELECT set_config('enable_bitmapscan', 'on', true)")
				}
				t1 := time.Now()
				rows, err := st.Run(ctx, tx)
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				d = time.Since(t1)
				return rows.Err()
			})
			if err != nil {
				return err
			}
			raw = append(raw, d)
			if len(svc) < len(raw) {
				if err := service(); err != nil {
					return err
				}
			}
			// Ground truth: exact nearest neighbours over the visible rows.
			var truth []int64
			err = pgx.BeginFunc(ctx, app, func(tx pgx.Tx) error {
				sql, args := p.SessionSQL()
				tx.Exec(ctx, sql, args...)
				rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT id FROM chunks c WHERE embedding_model = '%s' AND c.allowed_groups && $2::text[]
					ORDER BY (c.embedding::vector(384) <=> $1) + 0 LIMIT 10`, emb.Model()), pgvector.NewVector(vec[0]), p.Groups)
				if err != nil {
					return err
				}
				truth, err = pgx.CollectRows(rows, pgx.RowTo[int64])
				return err
			})
			if err != nil {
				return err
			}
			hit := 0
			for _, r := range res {
				if slices.Contains(truth, r.ChunkID) {
					hit++
				}
			}
			recall += float64(hit) / float64(max(1, len(truth)))
		}
		fmt.Printf("%-12s %-6s %9.2f %9.2f %9.2f %9.2f %10.3f %6d\n", sel.name, path, ms(pct(svc, 50)), ms(pct(svc, 99)),
			ms(pct(raw, 50)), ms(pct(raw, 99)), recall/float64(nQueries), short)
	}
	return nil
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
