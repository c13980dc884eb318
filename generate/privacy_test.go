package generate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kontext"
	"kontext/generate"
	"kontext/guard/inject"
	"kontext/guard/pii"
	"kontext/guard/policy"
	"kontext/ingest"
	"kontext/internal/dbtest"
	"kontext/llm"
	"kontext/retrieval"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// recordingChat answers with the offline composer and keeps every request
// it is sent, as a model on the other side of the egress check would see
// it.
type recordingChat struct {
	mu   sync.Mutex
	seen []llm.ChatRequest
}

func (c *recordingChat) Chat(ctx context.Context, req llm.ChatRequest, onDelta func(string)) (llm.ChatResponse, error) {
	c.mu.Lock()
	c.seen = append(c.seen, req)
	c.mu.Unlock()
	return llm.Offline{}.Chat(ctx, req, onDelta)
}

func (c *recordingChat) Model() string { return "recording" }

// TestPromptHoldsNoPersonalData generates from sources whose titles,
// headings and text name persons (a title is the document's metadata, not
// its text). Every name must be in placeholder form in what the model is
// sent, so the egress check, which scans the whole payload with the same
// detector, passes: no request is refused for a name the pseudonymisation
// left in place.
func TestPromptHoldsNoPersonalData(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Pool(t)
	tenant := fmt.Sprintf("privacy-%d", time.Now().UnixNano())
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		dbtest.SetTenant(t, tx, tenant)
		_, err := tx.Exec(ctx, "INSERT INTO tenants (id) VALUES ($1)", tenant)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	emb := llm.NewHashEmbedder(384)
	det := pii.NewDetector(pii.DetectorOptions{})
	in, err := ingest.New(pool, ingest.Options{Embedder: emb, Secret: []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	loader := kontext.Principal{Tenant: tenant, User: "loader", Clearance: kontext.Internal, Role: kontext.Admin}
	docs := []struct{ title, text string }{
		{"Rezepte von Jasmin Weber", "# Teeküche mit Thomas Berger\n\nDie Teekanne Ruhe fasst 1,2 Liter und hält den Tee zwei Stunden warm.\n"},
		{"Anna Schmidt", "Die Teekanne Ruhe ist spülmaschinenfest bis 60 °C.\n"},
	}
	for i, d := range docs {
		if _, err := in.Ingest(ctx, ingest.Request{Principal: loader, Name: fmt.Sprintf("doc-%d.md", i), Title: d.title,
			Data: []byte(d.text), Language: "de", Classification: kontext.Public, TenantWide: true}); err != nil {
			t.Fatalf("ingest %q: %v", d.title, err)
		}
	}
	store, err := retrieval.New(pool, emb, retrieval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	packs := map[string]*policy.Checker{}
	for _, lang := range []string{"de", "en"} {
		pack, err := policy.LoadPack(lang + "-marketing")
		if err != nil {
			t.Fatal(err)
		}
		packs[lang] = policy.NewChecker(pack, policy.WithPersonalData(det))
	}
	model := &recordingChat{}
	svc, err := generate.New(generate.Config{Pool: pool, Retriever: store, Detector: det, Injection: inject.NewInjectionScanner(inject.InjectionOptions{}),
		Packs:     packs,
		Providers: []*llm.Provider{{Name: "recording", Type: "openai", Region: "eu-de", MaxClassification: kontext.Internal, Chat: model}}})
	if err != nil {
		t.Fatal(err)
	}
	editor := kontext.Principal{Tenant: tenant, User: "editor", Clearance: kontext.Internal, Role: kontext.Editor}
	for _, channel := range []string{"faq_answer", "product_description"} {
		t.Run(channel, func(t *testing.T) {
			res, err := svc.Generate(ctx, editor, generate.Request{Brief: "Wie viel Tee fasst die Teekanne Ruhe?", Channel: channel, Lang: "de",
				Options: generate.Options{NoCache: true}}, nil)
			if err != nil {
				t.Fatalf("Generate = %v; want a draft", err)
			}
			if len(res.Citations) < 2 {
				t.Fatalf("citations = %d; want both documents", len(res.Citations))
			}
			model.mu.Lock()
			req := model.seen[len(model.seen)-1]
			model.mu.Unlock()
			payload, _ := json.Marshal(req.Messages)
			for _, name := range []string{"Jasmin", "Weber", "Thomas Berger", "Anna Schmidt"} {
				if strings.Contains(string(payload), name) {
					t.Errorf("the prompt holds %q; want its placeholder", name)
				}
			}
			if err := det.CheckEgress(payload); err != nil {
				t.Errorf("CheckEgress(prompt) = %v; want nil", err)
			}
			if res.Provenance.Redactions[pii.TypePerson] < 3 {
				t.Errorf("redactions = %v; want the three persons", res.Provenance.Redactions)
			}
		})
	}
}
