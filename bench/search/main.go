// Command search measures hybrid search: N chunks (offline embedder) in
// three tenants; callers of the largest tenant see 1%, 10% and all of its
// chunks through group access lists. For each selectivity it runs Q queries
// and reports p50/p99 latency of the service (retrieval.Store.Search:
// embedding, planning, SQL), of the same SQL run directly (the physical
// reference), and recall@10 of the vector ranking against an exact search
// over the same visible rows.
//
//	bash bench/search/debian-corpus.sh          # once: the real-text corpus
//	go run ./bench/search -chunks 100000 -queries 500
//	go run ./bench/search -corpus synthetic -chunks 100000 -queries 500
//
// The default corpus is real text: Debian's package descriptions in English
// and German, a paragraph a chunk, queried by the packages' one-line
// synopses. The synthetic corpus is a stress test (see corpus.go).
//
// It creates and drops a database of its own (internal/benchdb);
// KONTEXT_BENCH_KEEP=1 keeps it, and -reuse NAME runs the queries against a
// kept database without loading it again.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"slices"
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
	var cfg config
	flag.IntVar(&cfg.chunks, "chunks", 100000, "chunks in all")
	flag.IntVar(&cfg.queries, "queries", 500, "queries per selectivity")
	flag.StringVar(&cfg.corpus, "corpus", "debian", "debian (real package descriptions, DE and EN), clustered (vectors like a learned model's) or synthetic")
	flag.Uint64Var(&cfg.seed, "seed", 42, "seed of the clustered corpus")
	flag.StringVar(&cfg.designs, "designs", "", "instead of the service table, measure the vector leg's designs (comma separated: exact,vector,halfvec,bit; see design.go)")
	flag.StringVar(&cfg.dir, "corpus-dir", "bench/search/.corpus", "where debian-corpus.sh put the Debian corpus")
	flag.StringVar(&cfg.reuse, "reuse", "", "query this kept database instead of loading a new one")
	flag.IntVar(&cfg.opts.EfSearch, "ef", 0, "hnsw.ef_search of the index path (0: the service default)")
	flag.IntVar(&cfg.opts.GroupEfSearch, "group-ef", 0, "hnsw.ef_search of a search that reads only group indexes or holds a dense group (0: the service default)")
	flag.IntVar(&cfg.opts.ExactThreshold, "exact-threshold", 0, "visible chunks up to which the search is exact (0: the service default)")
	flag.StringVar(&cfg.visible, "visible", "", "run only this selectivity: 1%, 10% or 100%")
	flag.BoolVar(&explain, "explain", false, "print the plan of each selectivity's first query")
	flag.BoolVar(&legTimes, "vector-leg", false, "also time the vector leg alone, run first in the reference's transaction (vec p99; the reference then finds its pages cached)")
	flag.BoolVar(&cfg.groupIndexes, "group-indexes", false, "build the group indexes (retrieval.BuildGroupIndexes, defaults) and search with them; without, the service reads the shared index only")
	flag.Parse()
	if err := run(cfg); err != nil {
		log.Fatal(err)
	}
}

type config struct {
	chunks, queries int
	corpus, dir     string
	reuse, visible  string
	seed            uint64
	designs         string
	groupIndexes    bool
	opts            retrieval.Options
}

var explain, legTimes bool

func run(cfg config) error {
	ctx := context.Background()
	var c corpus
	hash := llm.NewHashEmbedder(384)
	var emb llm.Embedder = hash
	var cl *clustered
	switch cfg.corpus {
	case "clustered":
		cl = newClustered(cfg.chunks, 384, cfg.seed)
		for i := range cfg.queries {
			c.queries = append(c.queries, query{text: fmt.Sprintf("q%d", i), lang: "en"})
		}
		srv, oe, err := embedServer(cl)
		if err != nil {
			return err
		}
		defer srv.Close()
		emb = oe
	case "synthetic":
		c = synthetic(cfg.chunks, cfg.queries)
	case "debian":
		var err error
		if c, err = debian(cfg.dir, cfg.chunks, cfg.queries); err != nil {
			return err
		}
	default:
		return fmt.Errorf("-corpus %q: want debian or synthetic", cfg.corpus)
	}
	var db *benchdb.DB
	var err error
	if cfg.reuse != "" {
		db, err = benchdb.Attach(ctx, cfg.reuse, 0)
	} else {
		db, err = benchdb.Open(ctx, 0)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	var loadDur, indexDur time.Duration
	if cfg.reuse == "" && cl != nil {
		if loadDur, err = loadClustered(ctx, db, cl); err != nil {
			return err
		}
		if indexDur, err = index(ctx, db, emb.Model(), emb.Dimensions()); err != nil {
			return err
		}
	} else if cfg.reuse == "" {
		if loadDur, indexDur, err = load(ctx, db, hash, c); err != nil {
			return err
		}
	}
	var nChunks, nDocs int
	for _, t := range []string{"big", "small1", "small2"} {
		err := pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
			sql, args := kontext.Principal{Tenant: t}.SessionSQL()
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
				return err
			}
			var c, d int
			err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM chunks), (SELECT count(*) FROM documents)").Scan(&c, &d)
			nChunks, nDocs = nChunks+c, nDocs+d
			return err
		})
		if err != nil {
			return err
		}
	}

	cfg.opts.NoGroupIndexes = !cfg.groupIndexes
	if cfg.groupIndexes && cfg.designs == "" {
		built, err := retrieval.BuildGroupIndexes(ctx, db.Owner, retrieval.GroupIndexOptions{MaintenanceWorkMem: "2GB", Progress: os.Stdout})
		if err != nil {
			return err
		}
		for _, g := range built {
			fmt.Printf("group index %s %q (%d chunks): %s %.0fs\n", g.Tenant, g.Group, g.Rows, g.Action, g.Took)
		}
	}
	store, err := retrieval.New(db.App, emb, cfg.opts)
	if err != nil {
		return err
	}
	fmt.Printf("machine: %d cores, %s; corpus %s: %d chunks (%d documents)", runtime.NumCPU(), runtime.Version(), cfg.corpus, nChunks, nDocs)
	if cfg.reuse == "" {
		fmt.Printf(" loaded in %.0fs, HNSW built in %.0fs", loadDur.Seconds(), indexDur.Seconds())
	} else {
		fmt.Printf(" in the kept database %s", cfg.reuse)
	}
	fmt.Println()
	if cfg.designs != "" {
		return designs(ctx, db, emb, c, cfg)
	}
	fmt.Printf("\n%-12s %-6s %9s %9s %9s %9s %9s %10s %6s %9s\n", "visible", "path", "p50 ms", "p99 ms", "raw p50", "raw p99", "vec p99", "recall@10", "short", "embed p50")
	app := db.App
	zero, one := 0.0, 1.0
	for _, sel := range []struct {
		name  string
		group string
	}{{"1%", "one"}, {"10%", "ten"}, {"100%", "all"}} {
		if cfg.visible != "" && cfg.visible != sel.name {
			continue
		}
		p := kontext.Principal{Tenant: "big", User: "bench", Groups: []string{sel.group}, Clearance: kontext.Internal}
		var svc, raw, embed, vleg []time.Duration
		var recall float64
		short := 0
		var path string
		for _, cq := range c.queries {
			text := cq.text
			q := retrieval.Query{Text: text, Language: cq.lang, K: 10, PerDocument: 100, TextWeight: &zero, VectorWeight: &one}
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
				if len(plan.GroupIndexes) > 0 {
					path += "+g"
				}
				if plan.Dense {
					path += "+d"
				}
				if len(res) < 10 {
					short++
				}
				return nil
			}
			// The physical reference: the same SQL, same settings, run
			// directly. Service and reference take turns going first, so
			// neither always finds the pages the other just read.
			t0 := time.Now()
			vec, _ := emb.Embed(ctx, []string{text})
			embed = append(embed, time.Since(t0))
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
				// The vector leg alone, where it is a statement of its
				// own: which part of the raw SQL's tail is the index scan.
				if legTimes && st.VectorSQL != "" {
					for _, set := range st.Settings {
						if _, err := tx.Exec(ctx, set); err != nil {
							return err
						}
					}
					t1 := time.Now()
					rows, err := tx.Query(ctx, st.VectorSQL, st.VectorArgs...)
					if err != nil {
						return err
					}
					for rows.Next() {
					}
					if err := rows.Err(); err != nil {
						return err
					}
					vleg = append(vleg, time.Since(t1))
					if _, err := tx.Exec(ctx, "SELECT set_config('enable_bitmapscan', 'on', true), set_config('enable_seqscan', 'on', true)"); err != nil {
						return err
					}
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
			type near struct {
				id int64
				d  float64
			}
			var truth []near
			err = pgx.BeginFunc(ctx, app, func(tx pgx.Tx) error {
				sql, args := p.SessionSQL()
				tx.Exec(ctx, sql, args...)
				rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT id, c.embedding::vector(%[2]d) <=> $1 FROM chunks c WHERE embedding_model = '%[1]s' AND c.allowed_groups && $2::text[]
					ORDER BY (c.embedding::vector(%[2]d) <=> $1) + 0 LIMIT 10`, emb.Model(), emb.Dimensions()), pgvector.NewVector(vec[0]), p.Groups)
				if err != nil {
					return err
				}
				truth, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (near, error) {
					var n near
					err := row.Scan(&n.id, &n.d)
					return n, err
				})
				return err
			})
			if err != nil {
				return err
			}
			// A result counts when it is one of the exact ten, or exactly
			// as near as the tenth (a tie: texts that differ only in case
			// or punctuation have one vector).
			hit := 0
			for _, r := range res {
				if slices.ContainsFunc(truth, func(t near) bool { return t.id == r.ChunkID }) ||
					(len(truth) > 0 && r.Vector != nil && 1-r.Vector.Score <= truth[len(truth)-1].d+1e-9) {
					hit++
				}
			}
			recall += float64(hit) / float64(max(1, len(truth)))
		}
		vp99 := "-"
		if len(vleg) > 0 {
			vp99 = fmt.Sprintf("%.2f", ms(pct(vleg, 99)))
		}
		fmt.Printf("%-12s %-6s %9.2f %9.2f %9.2f %9.2f %9s %10.3f %6d %9.2f\n", sel.name, path, ms(pct(svc, 50)), ms(pct(svc, 99)),
			ms(pct(raw, 50)), ms(pct(raw, 99)), vp99, recall/float64(len(c.queries)), short, ms(pct(embed, 50)))
	}
	return nil
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// load inserts the corpus through the application role, a transaction per
// hundred documents of one tenant, then builds the HNSW index and analyses
// the tables.
func load(ctx context.Context, db *benchdb.DB, emb *llm.HashEmbedder, c corpus) (loadDur, indexDur time.Duration, err error) {
	start := time.Now()
	for _, t := range []string{"big", "small1", "small2"} {
		if err := db.CreateTenant(ctx, t); err != nil {
			return 0, 0, err
		}
	}
	for lo := 0; lo < len(c.docs); {
		hi := lo + 1
		for hi < len(c.docs) && hi-lo < 100 && c.docs[hi].tenant == c.docs[lo].tenant {
			hi++
		}
		batch := c.docs[lo:hi]
		err := pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
			p := kontext.Principal{Tenant: batch[0].tenant}
			sql, args := p.SessionSQL()
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "SELECT set_config('kontext.scope', 'tenant', true)"); err != nil {
				return err
			}
			for i, d := range batch {
				vecs, err := emb.Embed(ctx, d.chunks)
				if err != nil {
					return err
				}
				var id string
				if err := tx.QueryRow(ctx, `INSERT INTO documents (tenant, external_id, title, language, content_hash, classification, allowed_groups)
					VALUES ($1, $2, $3, $4, '\x00', 'internal', $5) RETURNING id`,
					d.tenant, fmt.Sprintf("doc-%d", lo+i), d.title, d.lang, d.groups).Scan(&id); err != nil {
					return err
				}
				ords := make([]int32, len(d.chunks))
				pv := make([]pgvector.Vector, len(d.chunks))
				for i := range ords {
					ords[i] = int32(i)
					pv[i] = pgvector.NewVector(vecs[i])
				}
				if _, err := tx.Exec(ctx, `INSERT INTO chunks (document_id, tenant, ordinal, text, token_count, language, embedding,
						embedding_model, classification, allowed_groups)
					SELECT $1, $2, u.o, u.t, 100, $3, u.e, $4, 'internal', $5
					FROM unnest($6::int[], $7::text[], $8::vector[]) AS u(o, t, e)`,
					id, d.tenant, d.lang, emb.Model(), d.groups, ords, d.chunks, pv); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, 0, err
		}
		lo = hi
	}
	loadDur = time.Since(start)
	indexDur, err = index(ctx, db, emb.Model(), emb.Dimensions())
	return loadDur, indexDur, err
}

// index builds the model's HNSW index and analyses the tables.
func index(ctx context.Context, db *benchdb.DB, model string, dims int) (time.Duration, error) {
	start := time.Now()
	// The graph of a million vectors needs about 2 GB to be built in memory;
	// the setting holds for the connection that builds.
	conn, err := db.Owner.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '2GB'"); err != nil {
		return 0, err
	}
	if _, err = ingest.EnsureIndex(ctx, conn, model, dims); err != nil {
		return 0, err
	}
	d := time.Since(start)
	for _, t := range []string{"chunks", "documents"} {
		if _, err := conn.Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
			return 0, err
		}
	}
	return d, nil
}
