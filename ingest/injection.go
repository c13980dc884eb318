package ingest

import (
	"slices"
	"strings"
)

// auditDetails is what the audit log keeps of an injection finding: the
// score and the kinds of evidence ("instruction override", "model"), never
// the quoted text the reasons carry. Nil when nothing was found.
func (inj *Injection) auditDetails() map[string]any {
	if inj == nil {
		return nil
	}
	kinds := []string{}
	for _, r := range inj.Reasons {
		if i := strings.IndexByte(r, ':'); i > 0 {
			r = r[:i]
		}
		if !slices.Contains(kinds, r) {
			kinds = append(kinds, r)
		}
	}
	return map[string]any{"score": inj.Score, "evidence": kinds}
}
