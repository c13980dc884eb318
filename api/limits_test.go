package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/api"
	"kontext/audit"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/llm"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	keys := newKeys(t, "rate-a")
	_, k1 := mustKey(t, keys, kontext.Principal{Tenant: "rate-a", User: "u", Clearance: kontext.Public, Role: kontext.Viewer})
	_, k2 := mustKey(t, keys, kontext.Principal{Tenant: "rate-a", User: "v", Clearance: kontext.Public, Role: kontext.Viewer})
	limits, err := api.ParseRateLimits("viewer=0.5:2")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: keys, RateLimits: limits})
	for i, want := range []int{200, 200, 429} {
		rec := call(t, srv, k1, http.MethodGet, "/v1/whoami", "", nil)
		if rec.Code != want {
			t.Fatalf("request %d = %d; want %d", i+1, rec.Code, want)
		}
		if want == 429 {
			decodeError(t, rec)
			if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("Retry-After = %q; want whole seconds", rec.Header().Get("Retry-After"))
			}
		}
	}
	if rec := call(t, srv, k2, http.MethodGet, "/v1/whoami", "", nil); rec.Code != 200 {
		t.Errorf("another key = %d; want 200 (buckets are per key)", rec.Code)
	}
	for _, bad := range []string{"viewer", "root=1:1", "viewer=0:1", "viewer=1:0", "viewer=x:y"} {
		if _, err := api.ParseRateLimits(bad); err == nil {
			t.Errorf("ParseRateLimits(%q) = nil error", bad)
		}
	}
}

func TestAuthEventsAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := newKeys(t, "authlog-a")
	_, viewerKey := mustKey(t, keys, kontext.Principal{Tenant: "authlog-a", User: "vi", Clearance: kontext.Public, Role: kontext.Viewer})
	revoked, revokedKey := mustKey(t, keys, kontext.Principal{Tenant: "authlog-a", User: "old", Clearance: kontext.Public, Role: kontext.Admin})
	if err := keys.RevokeKey(ctx, "authlog-a", revoked.ID); err != nil {
		t.Fatal(err)
	}
	in, err := ingest.New(dbtest.Pool(t), ingest.Options{Embedder: llm.NewHashEmbedder(64), Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: keys, Audit: audit.New(dbtest.Pool(t)),
		Ingester: in, Documents: ingest.NewStore(dbtest.Pool(t))})
	if rec := call(t, srv, revokedKey, http.MethodGet, "/v1/whoami", "", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("revoked key = %d; want 401", rec.Code)
	}
	if rec := call(t, srv, viewerKey, http.MethodPost, "/v1/documents", "application/json", []byte(`{"content":"x"}`)); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer on an editor route = %d; want 403", rec.Code)
	}
	if rec := call(t, srv, "kx_"+strings.Repeat("A", 43), http.MethodGet, "/v1/whoami", "", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("unknown key = %d; want 401", rec.Code)
	}
	type event struct{ Action, Details string }
	var events []event
	err = pgx.BeginFunc(ctx, dbtest.Pool(t), func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, "authlog-a")
		rows, err := tx.Query(ctx, "SELECT action, details::text FROM audit_events WHERE tenant = 'authlog-a' ORDER BY seq")
		if err != nil {
			return err
		}
		events, err = pgx.CollectRows(rows, pgx.RowToStructByPos[event])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Action != "auth.revoked_key" || events[1].Action != "auth.forbidden" {
		t.Fatalf("audit events = %+v; want auth.revoked_key then auth.forbidden", events)
	}
	for _, e := range events {
		for _, secret := range []string{revokedKey[len("kx_")+8:], viewerKey[len("kx_")+8:]} {
			if strings.Contains(e.Details, secret) {
				t.Errorf("audit event %s carries a key's secret part", e.Action)
			}
		}
	}
}
