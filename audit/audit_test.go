package audit_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"kontext/audit"
	"kontext/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

func TestChainDetectsTampering(t *testing.T) {
	ctx := context.Background()
	log := audit.New(dbtest.Pool(t))
	for _, tenant := range []string{"audit-a", "audit-b"} {
		for i := range 3 {
			if err := log.Record(ctx, audit.Event{Tenant: tenant, Actor: "u", Action: "test.event", Subject: "s", Details: map[string]any{"n": i}}); err != nil {
				t.Fatalf("Record: %v", err)
			}
		}
	}
	v, err := log.Verify(ctx, "audit-a")
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK || v.Events != 3 {
		t.Fatalf("Verify of an untouched chain = %+v; want ok with 3 events", v)
	}

	// The owner switches the append-only trigger off and edits a row, as
	// an attacker with the schema owner's rights could.
	err = pgx.BeginFunc(ctx, dbtest.OwnerPool(t), func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, "audit-a")
		if _, err := tx.Exec(ctx, "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE audit_events SET details = '{"n": 99}' WHERE tenant = 'audit-a' AND seq = 2`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err = log.Verify(ctx, "audit-a")
	if err != nil {
		t.Fatal(err)
	}
	if v.OK || v.First != 2 {
		t.Errorf("Verify after editing seq 2 = %+v; want the chain broken at 2", v)
	}
	if v, _ := log.Verify(ctx, "audit-b"); !v.OK {
		t.Errorf("another tenant's chain = %+v; want ok", v)
	}
}
