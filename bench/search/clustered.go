package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"kontext/internal/benchdb"
	"kontext/llm"
)

// clustered is a corpus of vectors that behave like a learned model's
// embeddings rather than like random or hashed ones: a mixture of
// Gaussians in a latent space of few dimensions (32), mapped into the
// model's 384 by a fixed random linear map and normalised onto the unit
// sphere, with a little isotropic noise in all 384 dimensions. Cluster
// sizes follow a power law (cluster k draws a share proportional to
// 1/(k+1)), so a few topics hold most documents, as in a company's
// knowledge base; each cluster has its own spread (0.35 to 0.7 of its
// centre's norm). A document is ten chunks of one cluster. Queries are
// drawn from the same mixture, never copied from the corpus. Everything
// comes from the seed (-seed, default 42): vector i of a run with the
// same seed and size is the same vector.
type clustered struct {
	dims, latent int
	seed         uint64
	basis        [][]float64 // dims rows of latent columns
	centres      [][]float64
	spread       []float64
	cdf          []float64 // cumulative cluster shares
	chunks       int
	perDoc       int
}

func newClustered(chunks, dims int, seed uint64) *clustered {
	c := &clustered{dims: dims, latent: 32, seed: seed, chunks: chunks, perDoc: 10}
	r := mrand.New(mrand.NewPCG(seed, 1))
	c.basis = make([][]float64, dims)
	for i := range c.basis {
		c.basis[i] = make([]float64, c.latent)
		for j := range c.basis[i] {
			c.basis[i][j] = r.NormFloat64() / math.Sqrt(float64(dims))
		}
	}
	k := max(20, chunks/200)
	sum := 0.0
	for i := range k {
		centre := make([]float64, c.latent)
		norm := 0.0
		for j := range centre {
			centre[j] = r.NormFloat64()
			norm += centre[j] * centre[j]
		}
		for j := range centre {
			centre[j] /= math.Sqrt(norm)
		}
		c.centres = append(c.centres, centre)
		c.spread = append(c.spread, 0.35+0.35*r.Float64())
		sum += 1 / float64(i+1)
		c.cdf = append(c.cdf, sum)
	}
	for i := range c.cdf {
		c.cdf[i] /= sum
	}
	return c
}

// cluster draws a cluster by its share.
func (c *clustered) cluster(r *mrand.Rand) int {
	u := r.Float64()
	lo, hi := 0, len(c.cdf)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if c.cdf[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// point draws a unit vector of the cluster.
func (c *clustered) point(r *mrand.Rand, k int) []float32 {
	z := make([]float64, c.latent)
	s := c.spread[k] / math.Sqrt(float64(c.latent))
	for j := range z {
		z[j] = c.centres[k][j] + s*r.NormFloat64()
	}
	x := make([]float64, c.dims)
	noise := 0.05 / math.Sqrt(float64(c.dims))
	norm := 0.0
	for i := range x {
		v := 0.0
		for j, b := range c.basis[i] {
			v += b * z[j]
		}
		v += noise * r.NormFloat64()
		x[i] = v
		norm += v * v
	}
	out := make([]float32, c.dims)
	for i := range x {
		out[i] = float32(x[i] / math.Sqrt(norm))
	}
	return out
}

// document returns the cluster and the vectors of document d.
func (c *clustered) document(d int) (int, [][]float32) {
	r := mrand.New(mrand.NewPCG(c.seed, uint64(d)+2))
	k := c.cluster(r)
	n := min(c.perDoc, c.chunks-d*c.perDoc)
	vecs := make([][]float32, n)
	for i := range vecs {
		vecs[i] = c.point(r, k)
	}
	return k, vecs
}

// query returns the vector of query i.
func (c *clustered) query(i int) []float32 {
	r := mrand.New(mrand.NewPCG(c.seed^0x9e3779b97f4a7c15, uint64(i)))
	return c.point(r, c.cluster(r))
}

func (c *clustered) documents() int { return (c.chunks + c.perDoc - 1) / c.perDoc }

// model is the embedding model name of the clustered corpus's chunks.
func (c *clustered) model() string { return fmt.Sprintf("bench-clustered-%d", c.dims) }

// share gives document d its tenant and groups as assign does, by its
// position: the chunks are equally many per document.
func (c *clustered) share(d int) (tenant string, groups []string) {
	share := float64(d) / float64(c.documents())
	switch {
	case share < 0.01:
		return "big", []string{"one", "ten", "all"}
	case share < 0.10:
		return "big", []string{"ten", "all"}
	case share < 0.90:
		return "big", []string{"all"}
	case share < 0.95:
		return "small1", []string{"all"}
	default:
		return "small2", []string{"all"}
	}
}

// loadClustered writes the corpus with COPY, straight into documents and
// chunks as the owner (the embedder is not involved). COPY is not allowed
// where row-level security applies, so the owner lifts FORCE ROW LEVEL
// SECURITY for the load and sets it again after; the rows carry tenant,
// groups, classification and status as ingest writes them, and the
// generated access tokens are computed by the database as for any insert.
// The chunk texts are empty: the lexical leg is not measured on this
// corpus, and an empty text has no postings to maintain.
func loadClustered(ctx context.Context, db *benchdb.DB, c *clustered) (time.Duration, error) {
	start := time.Now()
	for _, t := range []string{"big", "small1", "small2"} {
		if err := db.CreateTenant(ctx, t); err != nil {
			return 0, err
		}
	}
	conn, err := db.Owner.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	for _, q := range []string{"ALTER TABLE documents NO FORCE ROW LEVEL SECURITY", "ALTER TABLE chunks NO FORCE ROW LEVEL SECURITY"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return 0, err
		}
	}
	defer func() {
		for _, q := range []string{"ALTER TABLE documents FORCE ROW LEVEL SECURITY", "ALTER TABLE chunks FORCE ROW LEVEL SECURITY"} {
			conn.Exec(context.Background(), q)
		}
	}()
	for _, typ := range []string{"classification", "document_status", "document_purpose"} {
		t, err := conn.Conn().LoadType(ctx, typ)
		if err != nil {
			return 0, err
		}
		conn.Conn().TypeMap().RegisterType(t)
	}
	ids := make([][16]byte, c.documents())
	for i := range ids {
		rand.Read(ids[i][:])
		ids[i][6] = ids[i][6]&0x0f | 0x40
		ids[i][8] = ids[i][8]&0x3f | 0x80
	}
	// Documents and their chunks in batches of 10,000 documents, each in
	// a transaction of its own.
	const batch = 10000
	for lo := 0; lo < len(ids); lo += batch {
		hi := min(lo+batch, len(ids))
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			d := lo
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"documents"},
				[]string{"id", "tenant", "external_id", "title", "language", "content_hash", "classification", "allowed_groups"},
				pgx.CopyFromFunc(func() ([]any, error) {
					if d == hi {
						return nil, nil
					}
					tenant, groups := c.share(d)
					row := []any{ids[d], tenant, "doc-" + strconv.Itoa(d), "", "en", []byte{0}, "internal", groups}
					d++
					return row, nil
				})); err != nil {
				return fmt.Errorf("copy documents: %w", err)
			}
			d = lo - 1
			var vecs [][]float32
			ord := 0
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"chunks"},
				[]string{"document_id", "tenant", "ordinal", "text", "token_count", "language", "embedding", "embedding_model", "classification", "allowed_groups"},
				pgx.CopyFromFunc(func() ([]any, error) {
					for ord >= len(vecs) {
						if d++; d >= hi {
							return nil, nil
						}
						_, vecs = c.document(d)
						ord = 0
					}
					tenant, groups := c.share(d)
					row := []any{ids[d], tenant, int32(ord), "", int32(100), "en", pgvector.NewVector(vecs[ord]), c.model(), "internal", groups}
					ord++
					return row, nil
				}))
			if err != nil {
				return fmt.Errorf("copy chunks: %w", err)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// embedServer is an OpenAI-compatible /v1/embeddings endpoint in the
// process that answers input "q<i>" with query i's vector: the service
// path (llm's OpenAI client, HTTP, JSON) runs for every query as it would
// against a real provider, with vectors the benchmark controls.
func embedServer(c *clustered) (*httptest.Server, *llm.OpenAIEmbedder, error) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input []string `json:"input"`
		}
		if r.URL.Path != "/v1/embeddings" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		type item struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		resp := struct {
			Object string `json:"object"`
			Data   []item `json:"data"`
			Model  string `json:"model"`
		}{Object: "list", Model: c.model()}
		for i, in := range req.Input {
			n, err := strconv.Atoi(strings.TrimPrefix(in, "q"))
			if err != nil || !strings.HasPrefix(in, "q") {
				http.Error(w, "unknown input", http.StatusBadRequest)
				return
			}
			resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: c.query(n)})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	}))
	emb, err := llm.NewOpenAIEmbedder(llm.OpenAIConfig{BaseURL: srv.URL + "/v1", Model: c.model(), Dimensions: c.dims})
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return srv, emb, nil
}
