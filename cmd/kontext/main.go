// Command kontext is Kontext's one binary: the HTTP service, the migrator and
// the command-line tools. Run `kontext --help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand of the binary.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API (migrates first unless --migrate=false)", runServe},
		{"migrate", "apply pending database migrations and exit", runMigrate},
		{"ingest", "load documents: ingest PATH... --tenant T --classification C --groups G", runIngest},
		{"search", "search the chunks a principal may see: search \"QUERY\" --tenant T --groups G [--k N] [--json]", runSearch},
		{"erase", "erase a data subject: erase --tenant T --subject VALUE", runErase},
		{"retention", "delete documents past their retention date: retention sweep", runRetention},
		{"index", "build partial HNSW indexes for large access groups: index groups [--min-chunks N] [--max-share F]", runIndex},
		{"generate", "write a checked, cited draft: generate --tenant T --groups G --channel C --lang de --brief TEXT [--json]", runGenerate},
		{"batch", "run many generate requests as one durable batch: batch submit FILE --tenant T --groups G [--budget-eur X] [--wait] | status | results | cancel | list", runBatch},
		{"worker", "work batch items only (no HTTP): worker [--concurrency N]", runWorker},
		{"audit", "verify the tamper-evident audit log: audit verify [--tenant T]", runAudit},
		{"redact", "replace personal data on standard input by placeholders: redact [--json]", runRedact},
		{"scan", "scan text on standard input for prompt injection: scan --as brief|document [--json]", runScan},
		{"check", "check a draft on standard input against policy packs: check --pack de-marketing [--brand FILE] [--json]", runCheck},
		{"eval", "run the eval suites: eval [--suite FILE] [--case NAME] [--baseline FILE] [--json FILE] [--junit FILE]", runEval},
		{"tenants", "create a tenant: tenants create ID [--name NAME]", runTenants},
		{"keys", "manage API keys: keys create|list|revoke", runKeys},
		{"version", "print the version", func(_ context.Context, _ []string, stdout, _ io.Writer) error {
			_, err := fmt.Fprintln(stdout, "kontext", version)
			return err
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks errors whose message is a usage hint: exit code 2.
var errUsage = errors.New("usage")

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Kontext: privacy-first, cited, checked content drafts from your own knowledge.\n\n")
		fmt.Fprintf(w, "Usage: kontext <command> [flags]\n\nCommands:\n")
		for _, c := range cmds {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
		fmt.Fprintf(w, "\nRun `kontext <command> --help` for a command's flags. Every flag also reads an\nenvironment variable, shown in its help.\n")
	}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(stdout)
		return 0
	case "--version", "-version":
		args[0] = "version"
	}
	for _, c := range cmds {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "kontext %s: %s\n", c.name, strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
			if h := hint(err); h != "" {
				fmt.Fprintf(stderr, "  %s\n", h)
			}
			return 2
		default:
			fmt.Fprintf(stderr, "kontext %s: %v\n", c.name, err)
			if h := hint(err); h != "" {
				fmt.Fprintf(stderr, "  %s\n", h)
			}
			return 1
		}
	}
	fmt.Fprintf(stderr, "kontext: unknown command %q", args[0])
	if near := closestCommand(args[0], cmds); near != "" {
		fmt.Fprintf(stderr, "; did you mean %q?", near)
	}
	fmt.Fprintf(stderr, "\n\n")
	usage(stderr)
	return 2
}

// dryRunKey marks a context in which commands stop once their command line
// is parsed and checked.
type dryRunKey struct{}

// withDryRun returns a context in which a command parses its flags, checks
// its positional arguments and flag values, and returns without opening the
// database, a file or standard input. The docs test runs every documented
// command line this way.
func withDryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

// dryRun reports whether the command should stop here, its command line
// parsed. With settings, their values are validated first; files they name
// are not opened (documented examples name the reader's files).
func dryRun(ctx context.Context, s *settings) (bool, error) {
	if ctx.Value(dryRunKey{}) == nil {
		return false, nil
	}
	if s != nil {
		s.noFileChecks = true
		if _, err := s.config(); err != nil {
			return true, err
		}
	}
	return true, nil
}

// parseFlags parses a command's flags; a bad flag is a usage error.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := parseQuiet(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q%s; run `%s --help` for its flags", errUsage, fs.Arg(0), boolHint(fs, args), fs.Name())
	}
	return nil
}

// parseQuiet parses flags, printing the flag list only for --help: a bad
// flag is a usage error that names the flag and points at --help.
func parseQuiet(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stderr)
		fs.Usage()
		return err
	}
	if err != nil {
		return fmt.Errorf("%w: %v; run `%s --help` for its flags", errUsage, err, fs.Name())
	}
	return nil
}

// boolHint explains a stray "true" or "false" after a boolean flag:
// boolean flags take --flag=false, not --flag false.
func boolHint(fs *flag.FlagSet, args []string) string {
	v := fs.Arg(0)
	if v != "true" && v != "false" {
		return ""
	}
	for i, a := range args {
		if a == v && i > 0 && strings.HasPrefix(args[i-1], "-") {
			name := strings.TrimLeft(args[i-1], "-")
			return fmt.Sprintf(" (boolean flags take the form --%s=%s)", name, v)
		}
	}
	return ""
}
