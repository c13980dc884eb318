package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/ingest"
)

// ingestSummary is what `kontext ingest` reports at the end.
type ingestSummary struct {
	New         int               `json:"new"`
	Changed     int               `json:"changed"`
	Unchanged   int               `json:"unchanged"`
	Rejected    []rejectedFile    `json:"rejected"`
	Quarantined []quarantinedFile `json:"quarantined"`
	Chunks      int               `json:"chunks"`
	Seconds     float64           `json:"seconds"`
}

type rejectedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

type quarantinedFile struct {
	Path    string   `json:"path"`
	ID      string   `json:"id"`
	Reasons []string `json:"reasons"`
}

// ingestFile is one file found under the paths given.
type ingestFile struct {
	path       string // as found
	externalID string // path relative to the root it was found under
	size       int64
}

var ingestExtensions = map[string]bool{".md": true, ".markdown": true, ".txt": true, ".text": true,
	".html": true, ".htm": true, ".json": true, ".jsonl": true, ".ndjson": true, ".pdf": true, ".docx": true}

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext ingest", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant that owns the documents (required)")
	user := fs.String("user", currentUser(), "user recorded as the ingesting actor")
	groups := fs.String("groups", "", "comma-separated groups allowed to read the documents")
	users := fs.String("users", "", "comma-separated users allowed to read the documents")
	tenantWide := fs.Bool("tenant-wide", false, "let every principal of the tenant read the documents (up to its clearance)")
	classification := fs.String("classification", "", "public, internal or confidential (required)")
	lang := fs.String("lang", "", "language of the documents: de, en or simple (default: detected per document)")
	validFrom := fs.String("valid-from", "", "RFC 3339 time or date from which the documents may be retrieved")
	validUntil := fs.String("valid-until", "", "RFC 3339 time or date after which they are no longer retrieved (promotions)")
	retainUntil := fs.String("retain-until", "", "RFC 3339 time or date after which `kontext retention sweep` deletes them")
	allowInstructions := fs.Bool("allow-instructions", false, "store new documents with injection-like text as active instead of quarantining them (a quarantined one stays so until released)")
	purpose := fs.String("purpose", "reference", "what the documents are for: reference (facts to cite), guideline (instructions to the writer, never cited) or correspondence (personal communication)")
	prefix := fs.String("id-prefix", "", "prefix for the external ids, which are file names, or paths from a directory argument's name down")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	workers := fs.Int("workers", 2*runtime.GOMAXPROCS(0), "documents processed at once")
	bulk := fs.Bool("bulk", false, "first loads: drop the model's vector index, load, then rebuild it (faster; searches are exact meanwhile)")
	s := newSettings()
	s.register(fs, append(providerSettings, "owner-database-url")...)
	paths, err := positional(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%w: kontext ingest PATH... --tenant T --classification C (--groups G | --users U | --tenant-wide)", errUsage)
	}
	cls, err := kontext.ParseClassification(*classification)
	if err != nil {
		return fmt.Errorf("%w: --classification: %v", errUsage, err)
	}
	pur, err := kontext.ParsePurpose(*purpose)
	if err != nil {
		return fmt.Errorf("%w: --purpose: %v", errUsage, err)
	}
	req := ingest.Request{
		// The operator holds the database credentials: it writes in the
		// tenant scope, seeing every document of the tenant.
		Principal:         kontext.Principal{Tenant: *tenant, User: *user, Clearance: kontext.Confidential, Role: kontext.Admin},
		Operator:          true,
		Classification:    cls,
		AllowedGroups:     splitList(*groups),
		AllowedUsers:      splitList(*users),
		TenantWide:        *tenantWide,
		Language:          *lang,
		AllowInstructions: *allowInstructions,
		Purpose:           pur,
	}
	for _, t := range []struct {
		name string
		v    string
		dst  **time.Time
	}{{"valid-from", *validFrom, &req.ValidFrom}, {"valid-until", *validUntil, &req.ValidUntil}, {"retain-until", *retainUntil, &req.RetainUntil}} {
		if t.v == "" {
			continue
		}
		ts, err := parseTime(t.v)
		if err != nil {
			return fmt.Errorf("%w: --%s: %v", errUsage, t.name, err)
		}
		*t.dst = &ts
	}
	if len(req.AllowedGroups) == 0 && len(req.AllowedUsers) == 0 && !req.TenantWide {
		return fmt.Errorf("%w: no access list: give --groups or --users, or --tenant-wide to let the whole tenant read them", errUsage)
	}
	if *workers < 1 {
		return fmt.Errorf("%w: --workers must be at least 1", errUsage)
	}
	if err := req.Principal.Validate(); err != nil {
		return err
	}

	if done, err := dryRun(ctx, s); done {
		return err
	}
	files, rejected, err := walkFiles(paths, *prefix)
	if err != nil {
		return err
	}
	cfg, err := s.config()
	if err != nil {
		return err
	}
	log := newLogger(cfg, os.Stderr)
	pool, err := openPool(ctx, s)
	if err != nil {
		return err
	}
	defer pool.Close()
	in, err := newIngester(ctx, cfg, pool, log)
	if err != nil {
		return err
	}

	if *bulk {
		owner, err := pgxpool.New(ctx, cfg.OwnerDatabaseURL)
		if err != nil {
			return fmt.Errorf("owner database url: %w", err)
		}
		defer owner.Close()
		emb, err := newEmbedder(cfg, log, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bulk load: dropping the vector index of %s\n", emb.Model())
		if err := ingest.DropIndex(ctx, owner, emb.Model()); err != nil {
			return err
		}
		defer func() {
			fmt.Fprintf(stderr, "bulk load: building the vector index of %s\n", emb.Model())
			start := time.Now()
			// A fresh context: the index must come back even after an interrupt.
			if err := ensureIndex(context.Background(), cfg, owner, log); err != nil {
				fmt.Fprintf(stderr, "bulk load: rebuilding the index failed: %v; run kontext migrate to retry\n", err)
				return
			}
			fmt.Fprintf(stderr, "bulk load: index built in %.1fs\n", time.Since(start).Seconds())
		}()
	}

	sum := ingestSummary{Rejected: rejected, Quarantined: []quarantinedFile{}}
	var total int64
	for _, f := range files {
		total += f.size
	}
	prog := newProgress(stderr, len(files), total)
	start := time.Now()
	var mu sync.Mutex
	var firstErr error // the first operational failure, for the exit message
	jobs := make(chan ingestFile)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				res, err := ingestOne(ctx, in, req, f)
				mu.Lock()
				switch {
				case err != nil:
					sum.Rejected = append(sum.Rejected, rejectedFile{Path: f.path, Reason: rejectReason(err)})
					if firstErr == nil && strings.HasPrefix(rejectReason(err), "error: ") {
						firstErr = err
					}
				default:
					switch res.Outcome {
					case ingest.OutcomeNew:
						sum.New++
					case ingest.OutcomeChanged:
						sum.Changed++
					case ingest.OutcomeUnchanged:
						sum.Unchanged++
					}
					if res.Outcome != ingest.OutcomeUnchanged {
						sum.Chunks += res.Chunks
					}
					if res.Status == "quarantined" {
						q := quarantinedFile{Path: f.path, ID: res.DocumentID, Reasons: []string{}}
						if res.Injection != nil {
							q.Reasons = res.Injection.Reasons
						}
						sum.Quarantined = append(sum.Quarantined, q)
					}
				}
				prog.update(1, f.size, sum.Chunks)
				mu.Unlock()
			}
		}()
	}
feed:
	for _, f := range files {
		select {
		case jobs <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	prog.done()
	sum.Seconds = time.Since(start).Seconds()
	sort.Slice(sum.Rejected, func(i, j int) bool { return sum.Rejected[i].Path < sum.Rejected[j].Path })
	sort.Slice(sum.Quarantined, func(i, j int) bool { return sum.Quarantined[i].Path < sum.Quarantined[j].Path })

	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(sum); err != nil {
			return err
		}
	} else {
		printSummary(stdout, sum)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	// Operational failures (not rejected content) make the run fail, so
	// that scripts notice; rejected files are reported, not fatal.
	for _, r := range sum.Rejected {
		if strings.HasPrefix(r.Reason, "error: ") {
			if firstErr != nil {
				return fmt.Errorf("some documents could not be stored; see the summary; the first failure: %w", firstErr)
			}
			return errors.New("some documents could not be stored; see the summary")
		}
	}
	return nil
}

func ingestOne(ctx context.Context, in *ingest.Ingester, base ingest.Request, f ingestFile) (ingest.Result, error) {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return ingest.Result{}, err
	}
	req := base
	req.Name = filepath.Base(f.path)
	req.ExternalID = f.externalID
	req.SourceURI = "file://" + absPath(f.path)
	req.ContentType = mime.TypeByExtension(strings.ToLower(filepath.Ext(f.path)))
	req.Data = data
	return in.Ingest(ctx, req)
}

// rejectReason says why a file was not stored: the document's fault
// (rejected content) or an operational error, marked as such.
func rejectReason(err error) string {
	var rej *ingest.RejectedError
	if errors.As(err, &rej) || errors.Is(err, kontext.ErrInvalid) {
		return err.Error()
	}
	return "error: " + err.Error()
}

// walkFiles expands the paths into files; hidden files and directories are
// skipped, files of unsupported types are reported as rejected.
func walkFiles(paths []string, prefix string) ([]ingestFile, []rejectedFile, error) {
	var files []ingestFile
	rejected := []rejectedFile{}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		if !info.IsDir() {
			files = append(files, ingestFile{path: root, externalID: prefix + filepath.ToSlash(filepath.Base(root)), size: info.Size()})
			continue
		}
		// External ids are paths relative to the directory's parent, so
		// that "ingest products" gives "products/sheet.md".
		base := filepath.Dir(absPath(root))
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				rejected = append(rejected, rejectedFile{Path: path, Reason: "error: " + err.Error()})
				return nil
			}
			name := d.Name()
			if path != root && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			if !ingestExtensions[strings.ToLower(filepath.Ext(name))] {
				rejected = append(rejected, rejectedFile{Path: path, Reason: "unsupported type " + filepath.Ext(name) + ": supported are Markdown, plain text, HTML, JSON, JSONL, PDF and Word (.docx)"})
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				rejected = append(rejected, rejectedFile{Path: path, Reason: "error: " + err.Error()})
				return nil
			}
			files = append(files, ingestFile{path: path, externalID: prefix + filepath.ToSlash(rel(base, path)), size: fi.Size()})
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return files, rejected, nil
}

func printSummary(w io.Writer, s ingestSummary) {
	n := s.New + s.Changed + s.Unchanged
	if n > 0 && s.Unchanged == n {
		fmt.Fprintf(w, "%d documents unchanged: nothing re-embedded\n", n)
	} else {
		rate := 0.0
		if s.Seconds > 0 {
			rate = float64(s.Chunks) / s.Seconds
		}
		fmt.Fprintf(w, "%d new, %d changed, %d unchanged; %d chunks embedded in %.1fs (%.0f chunks/s)\n",
			s.New, s.Changed, s.Unchanged, s.Chunks, s.Seconds, rate)
	}
	if len(s.Quarantined) > 0 {
		fmt.Fprintf(w, "%d quarantined (not retrievable; a reviewer who has read one releases it with POST /v1/documents/{id}/release; new documents may be stored active with --allow-instructions):\n", len(s.Quarantined))
		for _, q := range s.Quarantined {
			reasons := strings.Join(q.Reasons, "; ")
			if reasons == "" {
				reasons = "quarantined at an earlier ingest; content unchanged"
			}
			fmt.Fprintf(w, "  %s (%s): %s\n", q.Path, q.ID, reasons)
		}
	}
	if len(s.Rejected) > 0 {
		fmt.Fprintf(w, "%d rejected:\n", len(s.Rejected))
		for _, r := range s.Rejected {
			fmt.Fprintf(w, "  %s: %s\n", r.Path, r.Reason)
		}
	}
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time or a YYYY-MM-DD date", v)
}

func currentUser() string {
	for _, k := range []string{"KONTEXT_USER", "USER", "LOGNAME"} {
		if v := os.Getenv(k); v != "" && kontext.ValidateName("user", v) == nil {
			return v
		}
	}
	return "cli"
}

func rel(base, path string) string {
	r, err := filepath.Rel(base, absPath(path))
	if err != nil {
		return filepath.Base(path)
	}
	return r
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return filepath.ToSlash(a)
	}
	return filepath.ToSlash(p)
}
