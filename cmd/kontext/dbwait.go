package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// dbDownHint is what a failed connection to the database adds to its error.
const dbDownHint = "(is it running? `make db` starts a local one)"

// waitForDatabase connects to url until the server accepts the connection
// or wait has passed, logging a line per failed attempt, so that serve and
// worker survive being started before the database. Errors other than a
// failed connection (a wrong password, a missing database) end the wait at
// once: waiting will not fix them.
func waitForDatabase(ctx context.Context, url string, wait time.Duration, log *slog.Logger) error {
	if wait <= 0 {
		return nil
	}
	deadline := time.Now().Add(wait)
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, min(5*time.Second, max(time.Until(deadline), time.Second)))
		conn, err := pgx.Connect(actx, url)
		cancel()
		if err == nil {
			conn.Close(ctx)
			if attempt > 1 {
				log.Info("database reachable", slog.Int("attempt", attempt))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryableConnect(err) || !time.Now().Before(deadline) {
			if retryableConnect(err) {
				return fmt.Errorf("no database after waiting %v (--db-wait): %w %s", wait, err, dbDownHint)
			}
			return nil // the caller's own connection reports it, with its hint
		}
		pause := min(time.Second<<min(attempt-1, 2), time.Until(deadline))
		log.Warn("waiting for the database", slog.Int("attempt", attempt), slog.String("retry_in", pause.Round(time.Millisecond).String()),
			slog.String("left", time.Until(deadline).Round(time.Second).String()), slog.String("err", firstLine(err.Error())))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
}

// retryableConnect reports whether a failed connection may succeed later:
// nothing listening, a timeout, or a server starting up or shutting down.
// A refused login or a missing database is final.
func retryableConnect(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "57P03" || pg.Code == "57P01" || pg.Code == "57P02" || strings.HasPrefix(pg.Code, "08")
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.Is(err, context.DeadlineExceeded)
}
