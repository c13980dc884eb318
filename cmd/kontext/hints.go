package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	openai "github.com/sashabaranov/go-openai"

	"kontext"
)

// hint returns what the user can do about err, naming the setting or
// command involved, or "" when the message says enough on its own.
func hint(err error) string {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return databaseHint(ce)
	}
	if code := providerStatus(err); code == http.StatusUnauthorized || code == http.StatusForbidden {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "llm: embed"):
			return fmt.Sprintf("the embeddings endpoint refused the request (HTTP %d): set its API key in KONTEXT_EMBEDDING_API_KEY (--embedding-api-key)", code)
		case strings.Contains(msg, "rerank"):
			return fmt.Sprintf("the re-ranking endpoint refused the request (HTTP %d): set its API key in KONTEXT_RERANK_API_KEY (--rerank-api-key)", code)
		}
		return fmt.Sprintf("the model provider refused the request (HTTP %d): set its API key in KONTEXT_LLM_API_KEY (--llm-api-key), "+
			"or, for a provider of the providers file, in the variable its api_key_env names", code)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		wd, _ := os.Getwd()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Sprintf("check the path %s: relative paths start at the current directory, %s", pe.Path, wd)
		case errors.Is(err, fs.ErrPermission):
			return fmt.Sprintf("%s is not readable by this user: check its permissions", pe.Path)
		}
	}
	return ""
}

// databaseHint explains a failed connection to PostgreSQL.
func databaseHint(ce *pgconn.ConnectError) string {
	where := "the database server"
	if c := ce.Config; c != nil {
		where = fmt.Sprintf("PostgreSQL at %s:%d (user %s, database %s)", c.Host, c.Port, c.User, c.Database)
	}
	var pg *pgconn.PgError
	if errors.As(ce, &pg) {
		switch pg.Code {
		case "28P01", "28000": // invalid_password, invalid_authorization_specification
			return where + " refused the login: check the user and password in DATABASE_URL (--database-url), " +
				"or KONTEXT_OWNER_DATABASE_URL for migrations; scripts/db.sh creates the roles kontext and kontext_owner " +
				"with the password KONTEXT_DB_PASSWORD (default kontext)"
		case "3D000": // invalid_catalog_name
			return where + ": the database does not exist: `make db` creates it, or fix the database name in DATABASE_URL"
		}
		return ""
	}
	return "cannot reach " + where + ": start a local one with `make db` (or `bash scripts/db.sh`), or point DATABASE_URL " +
		"(--database-url) at a running server; migrations use KONTEXT_OWNER_DATABASE_URL"
}

// providerStatus returns the HTTP status a model provider answered with,
// or 0.
func providerStatus(err error) int {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// flagError is a usage error naming the flag whose value err rejects.
func flagError(flag string, err error) error {
	var inv *kontext.InvalidError
	if errors.As(err, &inv) {
		return fmt.Errorf("%w: --%s: %s", errUsage, flag, inv.Message)
	}
	return fmt.Errorf("%w: --%s: %v", errUsage, flag, err)
}

// closestCommand returns the command name nearest to name, or "".
func closestCommand(name string, cmds []command) string {
	best, bestD := "", 3
	for _, c := range cmds {
		if strings.HasPrefix(c.name, name) && len(name) >= 2 {
			return c.name
		}
		if d := editDistance(name, c.name); d < bestD {
			best, bestD = c.name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
