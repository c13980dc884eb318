// Package llm holds Kontext's model providers behind small interfaces.
//
// Embedder turns texts into vectors for chunks and queries. Two
// implementations exist: HashEmbedder, the offline default, which needs no
// network and gives the same vector for the same text on every machine;
// and OpenAIEmbedder, a client of any OpenAI-compatible /embeddings
// endpoint (OpenAI, Azure OpenAI, Mistral, Ollama, vLLM, LocalAI,
// text-embeddings-inference) with batching, per-call timeouts and retries
// that honour Retry-After. EgressTransport sits under every provider client
// and refuses request bodies that carry personal data.
package llm

import "context"

// Embedder turns texts into vectors. Vectors of different models are never
// compared: each stored vector records Model and Dimensions.
type Embedder interface {
	// Embed returns one vector per text, in the order of texts, each of
	// Dimensions values.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Model names the model, e.g. "kontext-hash-v2-384".
	Model() string
	// Dimensions is the size of the vectors.
	Dimensions() int
}
