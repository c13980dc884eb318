package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"

	"kontext/retrieval"
)

// runIndex maintains the search indexes: `index groups` builds a partial
// HNSW index for each access group large enough to be worth one and small
// enough that the model's shared index does not already serve it, and drops
// those no longer worth it (docs/search.md#group-indexes).
func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "groups" {
		return fmt.Errorf("%w: kontext index groups [--min-chunks N] [--max-share F] [--json]", errUsage)
	}
	fs := flag.NewFlagSet("kontext index groups", flag.ContinueOnError)
	minChunks := fs.Int("min-chunks", 0, "a group with fewer active chunks of a model gets no index (0: the exact-scan crossover of the model's table size)")
	maxShare := fs.Float64("max-share", 0.3, "a group with more than this share of the model's chunks gets no index (the shared index serves it)")
	workMem := fs.String("maintenance-work-mem", "1GB", "maintenance_work_mem for the builds (empty: the server's)")
	asJSON := fs.Bool("json", false, "print the indexes decided on as JSON")
	s := newSettings()
	s.register(fs, "owner-database-url", "log-level", "log-format")
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if *minChunks < 0 || *maxShare <= 0 || *maxShare > 1 {
		return fmt.Errorf("%w: --min-chunks must be 0 or more and --max-share in (0, 1]", errUsage)
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	cfg, err := s.config()
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cfg.OwnerDatabaseURL)
	if err != nil {
		return fmt.Errorf("open owner pool: %w", err)
	}
	defer pool.Close()
	opts := retrieval.GroupIndexOptions{MinChunks: *minChunks, MaxShare: *maxShare, MaintenanceWorkMem: *workMem}
	if !*asJSON {
		opts.Progress = stdout
	}
	out, err := retrieval.BuildGroupIndexes(ctx, pool, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	counts := map[string]int{}
	for _, g := range out {
		counts[g.Action]++
	}
	_, err = fmt.Fprintf(stdout, "group indexes: %d built, %d dense, %d kept, %d dropped\n", counts["built"], counts["dense"], counts["kept"], counts["dropped"])
	return err
}
