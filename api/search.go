package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"kontext"
	"kontext/retrieval"
)

// Searcher finds the chunks a principal may see.
type Searcher interface {
	Search(ctx context.Context, p kontext.Principal, q retrieval.Query) ([]retrieval.Result, retrieval.Plan, error)
}

var _ Searcher = (*retrieval.Store)(nil)

// search answers POST /v1/search. The principal is the key's; the body
// holds the query and its options only (unknown fields are refused, so no
// field can widen what the caller sees).
func (s *Server) search(c *gin.Context) {
	var q retrieval.Query
	if err := decodeJSON(c, &q); err != nil {
		writeError(c, err)
		return
	}
	results, plan, err := s.opts.Searcher.Search(c.Request.Context(), principalOf(c), q)
	if err != nil && databaseDown(err) && c.Request.Context().Err() == nil {
		// A search only reads: once more, on another connection, covers
		// the pooled connections a database restart has cut.
		results, plan, err = s.opts.Searcher.Search(c.Request.Context(), principalOf(c), q)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	if results == nil {
		results = []retrieval.Result{}
	}
	c.JSON(http.StatusOK, gin.H{"results": results, "plan": plan})
}
