package llm

import (
	"context"
	"time"
)

// SetSleep replaces the retry loop's sleep, so tests see the waits
// without spending them.
func (e *OpenAIEmbedder) SetSleep(f func(ctx context.Context, d time.Duration) error) { e.sleep = f }

// ParseRetryAfter exposes parseRetryAfter.
var ParseRetryAfter = parseRetryAfter
