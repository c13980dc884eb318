package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"kontext"
	"kontext/api"
	"kontext/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// newKeys returns a key store on the package database with a fresh tenant.
func newKeys(t *testing.T, tenant string) *api.Keys {
	t.Helper()
	keys := api.NewKeys(dbtest.Pool(t))
	if err := keys.CreateTenant(context.Background(), tenant, ""); err != nil {
		t.Fatalf("CreateTenant(%q): %v", tenant, err)
	}
	return keys
}

func mustKey(t *testing.T, keys *api.Keys, p kontext.Principal) (api.Key, string) {
	t.Helper()
	k, secret, err := keys.CreateKey(context.Background(), p, "test")
	if err != nil {
		t.Fatalf("CreateKey(%+v): %v", p, err)
	}
	return k, secret
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := newKeys(t, "auth-a")
	newKeys(t, "auth-b")
	p := kontext.Principal{Tenant: "auth-a", User: "jana", Groups: []string{"marketing"}, Clearance: kontext.Internal, Role: kontext.Viewer}
	key, secret := mustKey(t, keys, p)
	revoked, revokedSecret := mustKey(t, keys, p)
	if err := keys.RevokeKey(ctx, "auth-a", revoked.ID); err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	srv := api.New(api.Options{Logger: slog.New(slog.DiscardHandler), Auth: keys})

	tests := []struct {
		name   string
		header string
		path   string
		want   int
	}{
		{"no header", "", "/v1/whoami", http.StatusUnauthorized},
		{"not bearer", "Basic " + secret, "/v1/whoami", http.StatusUnauthorized},
		{"malformed key", "Bearer kx_short", "/v1/whoami", http.StatusUnauthorized},
		{"unknown key", "Bearer kx_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/v1/whoami", http.StatusUnauthorized},
		{"revoked key", "Bearer " + revokedSecret, "/v1/whoami", http.StatusUnauthorized},
		{"valid key", "Bearer " + secret, "/v1/whoami", http.StatusOK},
		{"lower-case scheme", "bearer " + secret, "/v1/whoami", http.StatusOK},
		{"query cannot widen", "Bearer " + secret, "/v1/whoami?tenant=auth-b&role=admin&groups=legal", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Authorization", tc.header)
			}
			rec := do(t, srv, http.MethodGet, tc.path, nil, h)
			if rec.Code != tc.want {
				t.Fatalf("GET %s with %q = %d %s; want %d", tc.path, tc.header, rec.Code, rec.Body, tc.want)
			}
			if tc.want != http.StatusOK {
				decodeError(t, rec)
				if rec.Header().Get("WWW-Authenticate") == "" && tc.want == http.StatusUnauthorized {
					t.Error("401 without WWW-Authenticate")
				}
				return
			}
			var got kontext.Principal
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Tenant != "auth-a" || got.User != "jana" || got.Role != kontext.Viewer || len(got.Groups) != 1 || got.Groups[0] != "marketing" {
				t.Errorf("whoami = %+v; want the key's principal %+v", got, p)
			}
		})
	}

	t.Run("last use recorded", func(t *testing.T) {
		list, err := keys.ListKeys(ctx, "auth-a")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range list {
			if k.ID == key.ID && k.LastUsedAt == nil {
				t.Error("LastUsedAt not set after use")
			}
		}
	})
}

func TestKeysAreTenantScoped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keysA := newKeys(t, "scope-a")
	newKeys(t, "scope-b")
	keyA, secretA := mustKey(t, keysA, kontext.Principal{Tenant: "scope-a", User: "u", Clearance: kontext.Public, Role: kontext.Admin})
	mustKey(t, keysA, kontext.Principal{Tenant: "scope-b", User: "v", Clearance: kontext.Public, Role: kontext.Viewer})

	if err := keysA.RevokeKey(ctx, "scope-b", keyA.ID); !errors.Is(err, kontext.ErrNotFound) {
		t.Errorf("RevokeKey of a scope-a key declared as scope-b = %v; want ErrNotFound", err)
	}
	if err := keysA.RevokeKey(ctx, "scope-a", "not-a-uuid"); !errors.Is(err, kontext.ErrNotFound) {
		t.Errorf("RevokeKey with a malformed id = %v; want ErrNotFound", err)
	}
	list, err := keysA.ListKeys(ctx, "scope-b")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].User != "v" {
		t.Errorf("ListKeys(scope-b) = %+v; want only scope-b's key", list)
	}
	if _, err := keysA.Authenticate(ctx, secretA); err != nil {
		t.Errorf("Authenticate(scope-a key) = %v; want nil after a refused cross-tenant revoke", err)
	}
	if err := keysA.CreateTenant(ctx, "scope-a", ""); !errors.Is(err, kontext.ErrConflict) {
		t.Errorf("CreateTenant twice = %v; want ErrConflict", err)
	}
	if _, _, err := keysA.CreateKey(ctx, kontext.Principal{Tenant: "scope-none", User: "u", Clearance: kontext.Public, Role: kontext.Viewer}, ""); !errors.Is(err, kontext.ErrNotFound) {
		t.Errorf("CreateKey for an unknown tenant = %v; want ErrNotFound", err)
	}
	if _, _, err := keysA.CreateKey(ctx, kontext.Principal{Tenant: "scope-a", User: "u", Groups: []string{"a,b"}, Clearance: kontext.Public, Role: kontext.Viewer}, ""); !errors.Is(err, kontext.ErrInvalid) {
		t.Errorf("CreateKey with a comma in a group = %v; want ErrInvalid", err)
	}
}
