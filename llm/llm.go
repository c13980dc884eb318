// Package llm holds Kontext's model providers behind small interfaces: an
// Embedder for chunk and query vectors, with an offline hashing
// implementation that needs no network and an OpenAI-compatible client
// (OpenAI, Azure OpenAI, Mistral, Ollama, vLLM, text-embeddings-inference).
package llm

import "context"

// Embedder turns texts into vectors. Implementations return one vector per
// text, in order, each of Dimensions() values.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// Model names the model; vectors of different models are never compared.
	Model() string
	Dimensions() int
}
