package kontext_test

import (
	"context"
	"errors"
	"testing"

	"kontext"
)

func TestRoleAllows(t *testing.T) {
	t.Parallel()
	roles := []kontext.Role{kontext.Viewer, kontext.Editor, kontext.Reviewer, kontext.Admin}
	for i, have := range roles {
		for j, need := range roles {
			if got, want := have.Allows(need), i >= j; got != want {
				t.Errorf("%s.Allows(%s) = %v; want %v", have, need, got, want)
			}
		}
	}
	if kontext.Role("root").Allows(kontext.Viewer) || kontext.Admin.Allows("root") {
		t.Error("an unknown role allows or is allowed")
	}
}

func TestPrincipalValidate(t *testing.T) {
	t.Parallel()
	ok := kontext.Principal{Tenant: "acme", User: "jana@acme.example", Groups: []string{"marketing", "legal"}, Clearance: kontext.Internal, Role: kontext.Editor}
	tests := []struct {
		name   string
		mutate func(*kontext.Principal)
		field  string
	}{
		{"valid", func(*kontext.Principal) {}, ""},
		{"upper-case tenant", func(p *kontext.Principal) { p.Tenant = "Acme" }, "tenant"},
		{"sql in tenant", func(p *kontext.Principal) { p.Tenant = "a'; drop table x;--" }, "tenant"},
		{"comma in group", func(p *kontext.Principal) { p.Groups = []string{"a,b"} }, "groups"},
		{"space in user", func(p *kontext.Principal) { p.User = "a b" }, "user"},
		{"unknown clearance", func(p *kontext.Principal) { p.Clearance = "secret" }, "clearance"},
		{"unknown role", func(p *kontext.Principal) { p.Role = "root" }, "role"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.mutate(&p)
			err := p.Validate()
			var inv *kontext.InvalidError
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tc.field != "" && (!errors.As(err, &inv) || inv.Field != tc.field || !errors.Is(err, kontext.ErrInvalid)):
				t.Errorf("Validate() = %v; want an InvalidError on %s", err, tc.field)
			}
		})
	}
}

func TestClassificationOrder(t *testing.T) {
	t.Parallel()
	if !(kontext.Public.Rank() < kontext.Internal.Rank() && kontext.Internal.Rank() < kontext.Confidential.Rank()) {
		t.Error("classifications out of order")
	}
	if _, err := kontext.ParseClassification("secret"); !errors.Is(err, kontext.ErrInvalid) {
		t.Errorf("ParseClassification(secret) = %v; want ErrInvalid", err)
	}
}

func TestPrincipalContext(t *testing.T) {
	t.Parallel()
	p := kontext.Principal{Tenant: "acme"}
	got, ok := kontext.FromContext(kontext.NewContext(context.Background(), p))
	if !ok || got.Tenant != "acme" {
		t.Errorf("FromContext = %+v, %v", got, ok)
	}
	if _, ok := kontext.FromContext(context.Background()); ok {
		t.Error("FromContext on an empty context reported a principal")
	}
}
