package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"kontext"
)

func runErase(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kontext erase", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant whose documents mention the subject (required)")
	subject := fs.String("subject", "", "the data subject: email address, phone number, name, IBAN, … (required)")
	user := fs.String("user", currentUser(), "user recorded as the actor")
	asJSON := fs.Bool("json", false, "print the receipt as JSON")
	s := newSettings()
	s.register(fs, providerSettings...)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *subject == "" {
		return fmt.Errorf("%w: --subject is required", errUsage)
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	in, closeDB, err := openIngester(ctx, s)
	if err != nil {
		return err
	}
	defer closeDB()
	rec, err := in.Erase(ctx, kontext.Principal{Tenant: *tenant, User: *user, Role: kontext.Admin}, *subject)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rec)
	}
	fmt.Fprintf(stdout, "erased subject %s: %d chunks deleted from %d documents, %d batch items redacted; future ingests redact it\n",
		rec.Subject, rec.ChunksDeleted, len(rec.DocumentIDs), rec.BatchItemsRedacted)
	return nil
}

func runRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "sweep" {
		return fmt.Errorf("%w: kontext retention sweep [--json]", errUsage)
	}
	fs := flag.NewFlagSet("kontext retention sweep", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	s := newSettings()
	s.register(fs, providerSettings...)
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if done, err := dryRun(ctx, s); done {
		return err
	}
	in, closeDB, err := openIngester(ctx, s)
	if err != nil {
		return err
	}
	defer closeDB()
	res, err := in.SweepRetention(ctx, currentUser())
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "retention sweep: %d documents deleted in %d tenants\n", res.Documents, res.Tenants)
	return nil
}
