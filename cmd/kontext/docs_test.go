package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is where README.md and docs/ live, from this package's directory.
const repoRoot = "../.."

// docFiles returns README.md and every docs/*.md page.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join(repoRoot, "README.md")}, pages...)
}

// docCommand is one kontext command line found in a page.
type docCommand struct {
	line int // where it starts in the page
	args []string
}

// extractCommands returns the kontext command lines of the fenced code
// blocks of a Markdown page: lines (continued with a trailing backslash)
// that run kontext, bin/kontext or ./bin/kontext, also after a pipe or &&.
// In a block with shell prompts ("$ "), only prompt lines are commands; the
// others are output.
func extractCommands(md string) ([]docCommand, error) {
	var out []docCommand
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		fence := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(fence, "```") && !strings.HasPrefix(fence, "~~~") {
			continue
		}
		marker := fence[:3]
		type logical struct {
			line int
			text string
		}
		end := i + 1
		prompts := false
		for ; end < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[end]), marker); end++ {
			if strings.HasPrefix(strings.TrimSpace(lines[end]), "$ ") {
				prompts = true
			}
		}
		var block []logical
		for j := i + 1; j < end; j++ {
			start, text := j, strings.TrimSpace(lines[j])
			command := !prompts || strings.HasPrefix(text, "$ ")
			for command && j+1 < end {
				if strings.HasSuffix(text, `\`) {
					text = strings.TrimSuffix(text, `\`) + " " + lines[j+1]
				} else if openQuote(text) {
					text += "\n" + lines[j+1] // a quoted string over several lines
				} else {
					break
				}
				j++
			}
			block = append(block, logical{start + 1, strings.TrimSpace(text)})
		}
		i = end
		for _, l := range block {
			text := l.text
			if prompts {
				if !strings.HasPrefix(text, "$ ") {
					continue
				}
				text = strings.TrimPrefix(text, "$ ")
			}
			words, err := shellWords(text)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", l.line, err)
			}
			for _, cmd := range splitCommands(words) {
				if len(cmd) > 0 && slices.Contains([]string{"kontext", "bin/kontext", "./bin/kontext"}, cmd[0]) {
					out = append(out, docCommand{line: l.line, args: cmd[1:]})
				}
			}
		}
	}
	return out, nil
}

// shellWords splits a command line as a POSIX shell would, enough for
// documentation: single and double quotes, backslash escapes, # comments.
// Operators (|, &&, ||, ;, redirections) come back as words of their own.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+end])
			inWord, i = true, i+1+end
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			// A command substitution: its command is a command of its own.
			flush()
			words = append(words, "\x00(")
			i++
		case c == ')':
			flush()
			words = append(words, "\x00)")
		case strings.IndexByte("|&;<>", c) >= 0:
			flush()
			op := string(c)
			for i+1 < len(s) && strings.IndexByte("|&>", s[i+1]) >= 0 && len(op) < 2 {
				i++
				op += string(s[i])
			}
			if (op == ">" || op == ">>") && len(words) > 0 && words[len(words)-1] == "2" {
				words = words[:len(words)-1] // 2> is one operator
			}
			words = append(words, "\x00"+op)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, nil
}

// openQuote reports whether s ends inside a quoted string.
func openQuote(s string) bool {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote == 0 && c == '#' && (i == 0 || s[i-1] == ' '):
			return false
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == '"' && c == '\\':
			i++
		case quote == 0 && c == '\\':
			i++
		case c == quote:
			quote = 0
		}
	}
	return quote != 0
}

// splitCommands cuts shell words at |, &&, || and ; and drops redirections
// with their targets and leading VAR=value assignments.
func splitCommands(words []string) [][]string {
	var cmds [][]string
	var cur []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if op, ok := strings.CutPrefix(w, "\x00"); ok {
			switch op {
			case "|", "&&", "||", ";", "&", "(", ")":
				cmds = append(cmds, cur)
				cur = nil
			default: // a redirection: skip its target
				i++
			}
			continue
		}
		if len(cur) == 0 && regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(w) {
			continue
		}
		cur = append(cur, w)
	}
	return append(cmds, cur)
}

func TestExtractCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		md   string
		want []string // each command's arguments joined by |
	}{
		{"prompt lines only", "```sh\n$ kontext tenants create acme\ntenant acme created\nkontext eval: 2 of 55 cases failed\n```\n",
			[]string{"tenants|create|acme"}},
		{"no prompts: every line", "```\nkontext eval -v   # every case\nbin/kontext version\n./bin/kontext migrate\n```\n",
			[]string{"eval|-v", "version", "migrate"}},
		{"continued lines and quotes", "```sh\n$ kontext generate --tenant acme \\\n    --brief \"Herbst, Ton: \\\"locker\\\"\" --audience '{\"a\":1}'\n```\n",
			[]string{`generate|--tenant|acme|--brief|Herbst, Ton: "locker"|--audience|{"a":1}`}},
		{"pipes, redirections and assignments", "```sh\n$ echo \"x | y\" | kontext redact --json\n$ kontext batch results ID --tenant acme > out.jsonl 2>/dev/null\n$ KONTEXT_ADDR=:9000 bin/kontext serve && curl -s localhost:9000/readyz\n```\n",
			[]string{"redact|--json", "batch|results|ID|--tenant|acme", "serve"}},
		{"quotes in output lines", "```\n$ make eval\nSKIP  case: the composer's answer\n```\n```\nkontext eval -v\n```\n",
			[]string{"eval|-v"}},
		{"quoted string over lines", "```sh\n$ curl -s localhost:8080/v1/generate -d '{\n    \"brief\": \"x\"}'\n{\"draft\": \"kontext\"}\n$ kontext version\n```\n",
			[]string{"version"}},
		{"command substitution", "```sh\n$ KEY=$(bin/kontext keys create --tenant acme --user u --role editor)\n$ echo \"$(kontext version)\"\n```\n",
			[]string{"keys|create|--tenant|acme|--user|u|--role|editor"}},
		{"outside fences and other programs", "kontext serve --nope\n\n```sh\n$ curl -s localhost:8080/healthz\n$ go run ./bench/search\n```\n",
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmds, err := extractCommands(tc.md)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cmds {
				got = append(got, strings.Join(c.args, "|"))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("extractCommands(%q) = %q; want %q", tc.md, got, tc.want)
			}
		})
	}
}

// TestDocumentedCommandsParse runs every kontext command line of README.md
// and docs/*.md through the real command dispatch as a dry run: flags,
// their values and positional arguments must be what the CLI accepts.
func TestDocumentedCommandsParse(t *testing.T) {
	isolateCLI(t)
	total := 0
	for _, path := range docFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cmds, err := extractCommands(string(b))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		name := strings.TrimPrefix(path, repoRoot+"/")
		for _, c := range cmds {
			total++
			t.Logf("%s:%d: kontext %s", name, c.line, strings.Join(c.args, " "))
			if code, stderr := dryRunCLI(t, c.args); code != 0 {
				t.Errorf("%s:%d: kontext %s: exit %d:\n%s", name, c.line, strings.Join(c.args, " "), code, stderr)
			}
		}
	}
	// The pages show at least this many command lines; fewer means the
	// extraction broke, not that the docs got shorter.
	if total < 30 {
		t.Errorf("found %d documented kontext command lines; want at least 30", total)
	}
}

func TestReadmeSize(t *testing.T) {
	t.Parallel()
	info, err := os.Stat(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > 14<<10 {
		t.Errorf("README.md is %d bytes; keep it at most 14 KiB and move detail to docs/", info.Size())
	}
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocsLinks checks that every relative link between the pages leads to
// a file, and an #anchor to a heading of it.
func TestDocsLinks(t *testing.T) {
	t.Parallel()
	for _, path := range docFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(path, repoRoot+"/")
		for _, m := range mdLink.FindAllStringSubmatch(stripCode(string(b)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			dest := path
			if file != "" {
				dest = filepath.Join(filepath.Dir(path), file)
			}
			db, err := os.ReadFile(dest)
			if err != nil {
				if info, serr := os.Stat(dest); serr == nil && info.IsDir() && anchor == "" {
					continue
				}
				t.Errorf("%s: link %s: %v", name, target, err)
				continue
			}
			if anchor != "" && strings.HasSuffix(dest, ".md") && !slices.Contains(anchors(string(db)), anchor) {
				t.Errorf("%s: link %s: no heading with anchor #%s in %s", name, target, anchor, file)
			}
		}
	}
}

// stripCode removes fenced blocks and inline code, where brackets are not links.
func stripCode(md string) string {
	md = regexp.MustCompile("(?s)```.*?```").ReplaceAllString(md, "")
	return regexp.MustCompile("`[^`\n]*`").ReplaceAllString(md, "")
}

// anchors returns the GitHub anchors of a page's headings.
func anchors(md string) []string {
	var out []string
	for _, l := range strings.Split(stripCode(md), "\n") {
		if !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(l, "#")))
		var b strings.Builder
		for _, r := range h {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127:
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}

// TestConfigurationTable checks docs/configuration.md against the code:
// every environment variable cmd/kontext/config.go reads is in the table
// with its flag and default, and the table names no other.
func TestConfigurationTable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ flag, def string }
	table := map[string]row{}
	inTable := false
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "| Environment |") {
			inTable = true
			continue
		}
		if !inTable {
			continue
		}
		if !strings.HasPrefix(l, "|") {
			break
		}
		cells := strings.Split(l, "|")
		if len(cells) < 5 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		env := strings.Trim(strings.TrimSpace(cells[1]), "`")
		table[env] = row{strings.TrimSpace(cells[2]), strings.TrimSpace(cells[3])}
	}
	if len(table) == 0 {
		t.Fatal("docs/configuration.md has no table starting with | Environment |")
	}

	// What the code reads: every setting, and any variable config.go looks
	// up directly.
	code := map[string]*setting{}
	for _, st := range newSettings().list {
		code[st.env] = st
	}
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?:env: |Getenv\(|LookupEnv\()"([A-Z][A-Z0-9_]*)"`).FindAllStringSubmatch(string(src), -1) {
		if code[m[1]] == nil {
			code[m[1]] = &setting{env: m[1]}
		}
	}
	for env, st := range code {
		r, ok := table[env]
		if !ok {
			t.Errorf("%s (read in config.go) is missing from the table in docs/configuration.md", env)
			continue
		}
		if st.flag != "" && r.flag != "`--"+st.flag+"`" {
			t.Errorf("%s: table says flag %s; code has --%s", env, r.flag, st.flag)
		}
		if st.def != "" && st.flag != "secret-file" && !strings.Contains(r.def, "`"+st.def+"`") {
			t.Errorf("%s: table default %s does not show the code's default `%s`", env, r.def, st.def)
		}
	}
	for env := range table {
		if code[env] == nil {
			t.Errorf("%s is in the table of docs/configuration.md but config.go does not read it", env)
		}
	}
}
