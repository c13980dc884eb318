package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/ingest"
	"kontext/internal/benchdb"
	"kontext/llm"
	"kontext/retrieval"
)

// breakdown loads n Vaswani abstracts (one chunk each) into a tenant and
// reports, per ranking, the service's latency (Store.Search, warm) and,
// from EXPLAIN ANALYZE of the same statements, where the time goes:
// planning, the lexical leg, the vector leg and the rest (fusion, the
// per-document cap, reading the results).
//
// reuse names a database kept by an earlier run (KONTEXT_BENCH_KEEP=1),
// whose tenant is searched without loading it again; explain prints the
// plan of the first query of each ranking (EXPLAIN ANALYZE, BUFFERS).
func breakdown(ctx context.Context, n int, emb llm.Embedder, opts retrieval.Options, reuse string, explainPlan bool) error {
	s, err := vaswani("testdata/vaswani")
	if err != nil {
		return fmt.Errorf("%w (fetch the collection with bench/retrieval/fetch-vaswani.sh)", err)
	}
	// One connection, so that its server process's CPU time is the
	// searches' (read from /proc: the database runs on this machine).
	var db *benchdb.DB
	if reuse != "" {
		db, err = benchdb.Attach(ctx, reuse, 1)
	} else {
		db, err = benchdb.Open(ctx, 1)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := retrieval.New(db.App, emb, opts)
	if err != nil {
		return err
	}
	in, err := ingest.New(db.App, ingest.Options{Embedder: emb, Secret: []byte("bench-retrieval-secret-0123456789")})
	if err != nil {
		return err
	}
	const tenant = "latency"
	if reuse == "" {
		if err := db.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		writer := kontext.Principal{Tenant: tenant, User: "bench", Role: kontext.Admin, Clearance: kontext.Confidential}
		for _, d := range s.docs[:min(n, len(s.docs))] {
			if _, err := in.Ingest(ctx, ingest.Request{Principal: writer, Name: d.id + ".txt", ContentType: "text/plain",
				Data: []byte(d.text), ExternalID: d.id, Language: "en", Classification: kontext.Internal,
				TenantWide: true, Operator: true}); err != nil {
				return err
			}
		}
		for _, t := range []string{"chunks", "chunk_terms", "term_stats"} {
			if _, err := db.Owner.Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
				return err
			}
		}
	}
	reader := kontext.Principal{Tenant: tenant, User: "reader", Role: kontext.Viewer, Clearance: kontext.Internal}
	fmt.Printf("%d chunks in one tenant, %d queries, %s\n\n", min(n, len(s.docs)), len(s.queries), machine())
	var pid int
	if err := db.App.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		return err
	}
	fmt.Println("| ranking | service p50 ms | p95 ms | CPU ms/search: server | client | generic planning (once) | lexical leg | vector leg | rest (fusion, cap, rows) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, c := range []config{
		{name: "lexical leg only (default, offline embedder)"},
		{name: "vector leg only", vw: ptr(1), tw: ptr(0)},
		{name: "fused, equal weights", vw: ptr(1), tw: ptr(1)},
	} {
		var lat []time.Duration
		var plan, lex, vec, total float64
		var server, client float64
		for round := range 2 { // the first round warms caches and connections
			s0, c0 := cpu(pid), selfCPU()
			for _, q := range s.queries {
				query := retrieval.Query{Text: q.text, Language: "en", K: 10, VectorWeight: c.vw, TextWeight: c.tw}
				t0 := time.Now()
				if _, _, err := store.Search(ctx, reader, query); err != nil {
					return err
				}
				if round == 1 {
					lat = append(lat, time.Since(t0))
				}
			}
			server, client = (cpu(pid)-s0)/float64(len(s.queries)), (selfCPU()-c0)/float64(len(s.queries))
		}
		for i, q := range s.queries {
			query := retrieval.Query{Text: q.text, Language: "en", K: 10, VectorWeight: c.vw, TextWeight: c.tw}
			v, _ := emb.Embed(ctx, []string{q.text})
			st, err := store.Statement(ctx, reader, query, v[0])
			if err != nil {
				return err
			}
			if explainPlan && i == 0 {
				if err := printPlan(ctx, db, reader, st); err != nil {
					return err
				}
			}
			p, l, ve, t, err := explain(ctx, db, reader, st)
			if err != nil {
				return err
			}
			plan, lex, vec, total = plan+p, lex+l, vec+ve, total+t
		}
		slices.Sort(lat)
		generic, custom, err := planCounts(ctx, db)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: search statements planned generically %d times, with their arguments %d times (cumulative)\n", c.name, generic, custom)
		k := float64(len(s.queries))
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		fmt.Printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", c.name, ms(lat[len(lat)/2]), ms(lat[len(lat)*95/100]),
			server, client, plan/k, lex/k, vec/k, (total-lex-vec)/k)
	}
	fmt.Fprintln(os.Stderr, "planning (of the generic plan, once per connection), legs and rest: mean ms per query from EXPLAIN ANALYZE (its instrumentation adds time)")
	return nil
}

// explain runs st under EXPLAIN ANALYZE and returns the planning time and
// the time in the lexical (t) and vector (v) CTEs and in all, in ms.
func explain(ctx context.Context, db *benchdb.DB, p kontext.Principal, st retrieval.Statement) (plan, lex, vec, total float64, err error) {
	out, err := explainGeneric(ctx, db, p, st, "ANALYZE, FORMAT JSON")
	if err != nil {
		return
	}
	var doc []struct {
		Plan          node    `json:"Plan"`
		PlanningTime  float64 `json:"Planning Time"`
		ExecutionTime float64 `json:"Execution Time"`
	}
	if err = json.Unmarshal([]byte(strings.Join(out, "")), &doc); err != nil {
		return
	}
	plan, total = doc[0].PlanningTime, doc[0].ExecutionTime
	var walk func(n node)
	walk = func(n node) {
		switch n.CTE {
		case "CTE t":
			lex += n.Total * n.Loops
		case "CTE v":
			vec += n.Total * n.Loops
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(doc[0].Plan)
	return
}

// printPlan prints the text of EXPLAIN (ANALYZE, BUFFERS) of st.
func printPlan(ctx context.Context, db *benchdb.DB, p kontext.Principal, st retrieval.Statement) error {
	out, err := explainGeneric(ctx, db, p, st, "ANALYZE, BUFFERS")
	if err == nil {
		fmt.Fprintln(os.Stderr, strings.Join(out, "\n"))
	}
	return err
}

// explainGeneric explains st as the service runs it: a prepared statement
// with a generic plan (after five executions PostgreSQL settles on the
// generic plan of the search statements, see the plan counts printed). An
// EXPLAIN of the statement with its arguments would plan it with them as
// constants instead. The planning time is then that of the generic plan,
// which a connection pays once per statement.
func explainGeneric(ctx context.Context, db *benchdb.DB, p kontext.Principal, st retrieval.Statement, options string) ([]string, error) {
	var out []string
	err := pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
		sql, args := p.SessionSQL()
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			return err
		}
		for _, set := range append(st.Settings, "SET LOCAL plan_cache_mode = force_generic_plan") {
			if _, err := tx.Exec(ctx, set); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "PREPARE bench_explain AS "+st.SQL); err != nil {
			return err
		}
		defer tx.Conn().Exec(context.WithoutCancel(ctx), "DEALLOCATE bench_explain")
		var types []string
		if err := tx.QueryRow(ctx, "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 'bench_explain'").Scan(&types); err != nil {
			return err
		}
		params := make([]string, len(types))
		for i, t := range types {
			params[i] = fmt.Sprintf("$%d::%s", i+1, t)
		}
		// The simple protocol puts the arguments into the text (EXPLAIN
		// EXECUTE declares no parameters of its own).
		rows, err := tx.Query(ctx, "EXPLAIN ("+options+") EXECUTE bench_explain("+strings.Join(params, ", ")+")",
			append([]any{pgx.QueryExecModeSimpleProtocol}, st.Args...)...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}

// planCounts returns how often the connection's prepared search
// statements were planned generically and with their arguments.
func planCounts(ctx context.Context, db *benchdb.DB) (generic, custom int64, err error) {
	err = db.App.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0)::int8, coalesce(sum(custom_plans), 0)::int8
		FROM pg_prepared_statements WHERE statement LIKE 'WITH%'`).Scan(&generic, &custom)
	return
}

// cpu returns the user and system CPU time of process pid in ms.
func cpu(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) * 10 // clock ticks of 10 ms
}

func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

type node struct {
	CTE   string  `json:"Subplan Name"`
	Total float64 `json:"Actual Total Time"`
	Loops float64 `json:"Actual Loops"`
	Plans []node  `json:"Plans"`
}
