// Package ingest turns source documents into access-controlled, embedded chunks: it parses
// Markdown, plain text, HTML, JSON and JSON Lines into normalised text with its heading
// structure (Parse), detects the language for full-text search (DetectLanguage), cuts the
// text into heading-aware, token-sized, overlapping chunks with exact offsets (Split), and
// stores a document's chunks with their embeddings, access list and personal data index
// in one transaction per version (Ingester), with deletion, erasure by data subject and
// retention sweeps.
//
// Parsing and chunking need no database and no network: the cl100k_base tokenizer is
// compiled into the binary. Parse rejects what cannot be indexed (ErrRejected: invalid
// UTF-8, binary content, no text) and what it cannot read (ErrUnsupportedType) with the
// reason in the error's message.
package ingest
