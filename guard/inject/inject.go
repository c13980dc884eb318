// Package inject detects prompt injection in briefs, documents and retrieved
// chunks, in German and English, and fences untrusted text inside prompts.
// InjectionScanner.Scan weighs instruction overrides, jailbreak and role-play
// set-ups, requests for the system prompt or secrets, fake role markers and
// chat-template control tokens, steering of the output, links and markdown
// images to unknown domains, zero-width and look-alike characters, text
// hidden from human readers and base64 payloads, and returns a score, a
// verdict against the threshold for the source, the reasons and their spans.
// A Spotlighter wraps untrusted text in a delimiter drawn at random per
// request, so that the text cannot close its own fence.
//
// Its inputs are the text, whether it is a brief or a document, and
// InjectionOptions: thresholds and the domains links may point to. It never
// blocks, drops or rewrites anything by itself: it reports, and the caller
// decides (ingest quarantines a document, generate rejects a brief or drops
// a chunk).
package inject

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"kontext/guard/internal/pattern"
	"kontext/guard/internal/textnorm"
)

// Source says where a scanned text comes from. Briefs are written to the
// model on purpose, so phrasing addressed to an AI is expected there;
// documents and retrieved chunks are data, and any instruction addressed to
// an AI inside them is suspicious.
type Source int

const (
	// Brief is a request a user writes for a draft.
	Brief Source = iota
	// Document is ingested content or a retrieved chunk of it.
	Document
	// Guideline is a document of writing rules (a brand guide, ingested
	// with purpose guideline): instructions to writers by nature, so its
	// wording is read by the brief model, which knows writing instructions
	// for ordinary, while the rules weigh what it says to a model as in any
	// document, at the document threshold.
	Guideline
)

// String returns "brief", "document" or "guideline".
func (s Source) String() string {
	switch s {
	case Document:
		return "document"
	case Guideline:
		return "guideline"
	}
	return "brief"
}

// ParseSource reads "brief" or "document" (as given to kontext scan --as).
func ParseSource(s string) (Source, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "brief", "":
		return Brief, nil
	case "document", "doc", "chunk":
		return Document, nil
	case "guideline":
		return Guideline, nil
	}
	return Brief, fmt.Errorf("guard: unknown source %q (want brief, document or guideline)", s)
}

// Default thresholds of the injection score at or above which a text counts as
// an injection. Documents get a higher threshold because they are long and
// varied and a false alarm quarantines real knowledge.
const (
	DefaultBriefThreshold    = 0.5
	DefaultDocumentThreshold = 0.6
)

// InjectionOptions configures an InjectionScanner. The zero value is usable.
type InjectionOptions struct {
	// BriefThreshold is the score at or above which a brief is an injection;
	// zero means DefaultBriefThreshold.
	BriefThreshold float64
	// DocumentThreshold is the score at or above which a document is an
	// injection; zero means DefaultDocumentThreshold.
	DocumentThreshold float64
	// AllowedDomains lists hosts that links may point to without counting as
	// unknown URLs; a host also allows its subdomains ("acme.de" allows
	// "shop.acme.de").
	AllowedDomains []string
	// Model scores the wording of the text; nil means the model embedded in
	// the binary (DefaultModel).
	Model *Model
	// DocumentModel scores documents; nil means the embedded document
	// model (DefaultDocumentModel), or Model when Model is set.
	DocumentModel *Model
	// RulesOnly leaves the model out, so that only the hand-written rules
	// decide (for comparison in bench/guard).
	RulesOnly bool
}

// InjectionResult is the verdict of InjectionScanner.Scan.
type InjectionResult struct {
	// Injection reports whether Score reached the threshold for the source.
	Injection bool `json:"injection"`
	// Score in [0,1] is the higher of RuleScore and ModelScore.
	Score float64 `json:"score"`
	// RuleScore in [0,1] combines the strongest evidence of each kind the
	// hand-written rules found.
	RuleScore float64 `json:"rule_score"`
	// ModelScore in [0,1] is the trained model's probability that the text
	// is an injection, over its deobfuscated readings and windows.
	ModelScore float64 `json:"model_score"`
	// ModelFeatures are the words that raised ModelScore most; set when the
	// model decided the verdict.
	ModelFeatures []string `json:"model_features,omitempty"`
	// Window is the passage that gave ModelScore; set with ModelFeatures.
	Window *InjectionWindow `json:"window,omitempty"`
	// Reasons describe the evidence, strongest first.
	Reasons []string `json:"reasons"`
	// Spans locate the evidence in the scanned text.
	Spans []InjectionSpan `json:"spans,omitempty"`
}

// InjectionWindow is the passage of a scanned text the model scored
// highest: byte offsets into the text (End exclusive) and the passage
// shortened. A passage read from a decoded base64 blob has no offsets
// (Start and End are -1) and Decoded set.
type InjectionWindow struct {
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Excerpt string `json:"excerpt"`
	Decoded bool   `json:"decoded,omitempty"`
}

// InjectionSpan is one piece of evidence: byte offsets into the scanned text
// (End exclusive) and the kind of signal found there.
type InjectionSpan struct {
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Signal string `json:"signal"`
}

// InjectionScanner detects prompt injection in briefs and documents, in
// German and English. It is safe for concurrent use.
type InjectionScanner struct {
	opts    InjectionOptions
	index   *pattern.Index
	signals []int // pattern id → signal index
	allowed []string
}

// NewInjectionScanner builds a scanner. It panics only if the built-in
// vocabulary fails to compile, which tests rule out.
func NewInjectionScanner(opts InjectionOptions) *InjectionScanner {
	if opts.BriefThreshold <= 0 {
		opts.BriefThreshold = DefaultBriefThreshold
	}
	if opts.DocumentThreshold <= 0 {
		opts.DocumentThreshold = DefaultDocumentThreshold
	}
	pc := &pattern.Compiler{Lang: pattern.LangAny, Sets: map[string][][]pattern.Elem{}}
	for _, set := range injectionSets {
		var alts [][]pattern.Elem
		for _, e := range set.entries {
			seq, err := pc.Sequence(e)
			if err != nil {
				panic(fmt.Sprintf("guard: injection set %s: %v", set.name, err))
			}
			alts = append(alts, seq)
		}
		pc.Sets[set.name] = alts
	}
	if opts.DocumentModel == nil && !opts.RulesOnly {
		opts.DocumentModel = opts.Model
		if opts.Model == nil {
			opts.DocumentModel = defaultDocumentModel()
		}
	}
	if opts.Model == nil && !opts.RulesOnly {
		opts.Model = defaultModel()
	}
	s := &InjectionScanner{opts: opts}
	var pats []*pattern.Pattern
	for si, sig := range injectionSignals {
		for _, src := range sig.patterns {
			p, err := pc.Compile(src)
			if err != nil {
				panic(fmt.Sprintf("guard: injection signal %s: %v", sig.category, err))
			}
			pats = append(pats, p)
			s.signals = append(s.signals, si)
		}
	}
	s.index = pattern.NewIndex(pats)
	for _, d := range opts.AllowedDomains {
		d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
		d = strings.TrimPrefix(d, "www.")
		if d != "" {
			s.allowed = append(s.allowed, d)
		}
	}
	return s
}

// evidence is one signal found in the text.
type evidence struct {
	category string
	reason   string
	weight   float64
	start    int // original offsets
	end      int
}

// Scan scores text for prompt injection as a brief or a document.
func (s *InjectionScanner) Scan(text string, as Source) InjectionResult {
	ft := textnorm.Fold(text)
	ev := s.collectFolded(text, &ft, as, 0)
	res := s.verdict(text, ev, as)
	if s.opts.RulesOnly {
		return res
	}
	model, wn := s.opts.Model, briefWindows
	if as == Document {
		model, wn = s.opts.DocumentModel, docWindows
	}
	ms, win := model.scoreWindows(text, &ft, wn, true)
	res.ModelScore = math.Round(ms.Probability*1000) / 1000
	if res.ModelScore > res.RuleScore {
		res.Score = res.ModelScore
		res.Injection = res.Score >= s.threshold(as)
		if res.Injection || res.ModelScore >= 0.5 {
			res.ModelFeatures = ms.Features
			res.Window = &win
			quoted := make([]string, len(ms.Features))
			for i, f := range ms.Features {
				quoted[i] = fmt.Sprintf("%q", f)
			}
			reason := fmt.Sprintf("model: reads like an injection (%.2f): %s", res.ModelScore, strings.Join(quoted, ", "))
			if len(text) > briefWindows.short {
				// a long text: say which passage
				at := "in a decoded base64 blob"
				if !win.Decoded {
					at = fmt.Sprintf("at bytes %d-%d", win.Start, win.End)
				}
				reason = fmt.Sprintf("model: passage %s reads like an injection (%.2f): %q; words %s", at, res.ModelScore, win.Excerpt, strings.Join(quoted, ", "))
			}
			res.Reasons = append([]string{reason}, res.Reasons...)
		}
	}
	return res
}

// threshold returns the score at or above which a text from as counts as an
// injection.
func (s *InjectionScanner) threshold(as Source) float64 {
	if as != Brief {
		return s.opts.DocumentThreshold
	}
	return s.opts.BriefThreshold
}

// maxScanDepth bounds recursion into decoded base64 payloads.
const maxScanDepth = 2

func (s *InjectionScanner) collect(text string, as Source, depth int) []evidence {
	ft := textnorm.Fold(text)
	return s.collectFolded(text, &ft, as, depth)
}

func (s *InjectionScanner) collectFolded(text string, ftp *textnorm.Folded, as Source, depth int) []evidence {
	ft := *ftp
	toks := textnorm.Tokenize(ft.Text, make([]textnorm.Token, 0, len(ft.Text)/5+8))
	m := &pattern.Matcher{Text: ft.Text, Tokens: toks, Lang: pattern.LangAny}
	var ev []evidence
	lastEnd := make(map[int]int32)
	s.index.Scan(m, func(h pattern.Hit) {
		if end, ok := lastEnd[int(h.ID)]; ok && h.Start < end {
			return
		}
		lastEnd[int(h.ID)] = h.End
		if negatedBefore(m, int(h.Start)) {
			return
		}
		sig := injectionSignals[s.signals[h.ID]]
		w := sig.brief
		if as != Brief {
			w = sig.document
		}
		start := ft.Orig(int(toks[h.Start].Start))
		end := ft.Orig(int(toks[h.End-1].End))
		ev = append(ev, evidence{sig.category, fmt.Sprintf("%s: %q", sig.reason, snippet(text, start, end)), w, start, end})
	})
	ev = append(ev, s.roleMarkers(text, &ft, as)...)
	ev = append(ev, s.urls(text, &ft, m, as)...)
	if ft.ZeroWidth > 0 {
		ev = append(ev, evidence{catObfuscation, fmt.Sprintf("%d zero-width characters inside words", ft.ZeroWidth), 0.3, ft.ZeroWidthAt, ft.ZeroWidthAt + 1})
	}
	if ft.Homoglyphs > 0 {
		ev = append(ev, evidence{catObfuscation, fmt.Sprintf("%d look-alike characters from other scripts inside Latin words", ft.Homoglyphs), 0.3, ft.HomoglyphAt, ft.HomoglyphAt + 1})
	}
	if hidden := hiddenRegions(text); len(hidden) > 0 {
		for _, e := range ev {
			if e.category == catObfuscation || e.category == catURL {
				continue
			}
			if inRegions(hidden, e.start) {
				ev = append(ev, evidence{catObfuscation, "instructions hidden from human readers (HTML comment or invisible element)", 0.4, e.start, e.end})
				break
			}
		}
	}
	if depth < maxScanDepth {
		ev = append(ev, s.encoded(text, as, depth)...)
	}
	return ev
}

// negatedBefore reports whether one of the two words before token i negates
// what follows ("never reveal your password", "do not ignore").
func negatedBefore(m *pattern.Matcher, i int) bool {
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		switch m.Word(j) {
		case "never", "not", "don't", "dont", "nie", "niemals", "nicht", "keinesfalls", "no", "keine", "kein", "nobody":
			return true
		}
		if m.Tokens[j+1].Flags&textnorm.SentStart != 0 {
			break
		}
	}
	return false
}

// verdict combines evidence into a result: per category the strongest
// weight, then a noisy-or across categories.
func (s *InjectionScanner) verdict(text string, ev []evidence, as Source) InjectionResult {
	res := InjectionResult{Reasons: []string{}}
	best := map[string]float64{}
	for _, e := range ev {
		best[e.category] = max(best[e.category], e.weight)
	}
	p := 1.0
	for _, w := range best {
		p *= 1 - w
	}
	res.Score = math.Round((1-p)*1000) / 1000
	res.RuleScore = res.Score
	res.Injection = res.Score >= s.threshold(as)
	slices.SortStableFunc(ev, func(a, b evidence) int {
		if a.weight != b.weight {
			if a.weight > b.weight {
				return -1
			}
			return 1
		}
		return a.start - b.start
	})
	seen := map[string]bool{}
	for _, e := range ev {
		if e.weight <= 0 {
			continue
		}
		if !seen[e.reason] && len(res.Reasons) < 12 {
			seen[e.reason] = true
			res.Reasons = append(res.Reasons, e.reason)
		}
		start, end := textnorm.ClampSpan(e.start, e.end, len(text))
		res.Spans = append(res.Spans, InjectionSpan{Start: start, End: end, Signal: e.category})
	}
	slices.SortFunc(res.Spans, func(a, b InjectionSpan) int { return a.Start - b.Start })
	return res
}

// ReasonKinds returns the kind of each reason without the quoted text it
// carries ("instruction override", "model"), for logs that must not hold
// the scanned text.
func ReasonKinds(reasons []string) []string {
	out := make([]string, 0, len(reasons))
	for _, r := range reasons {
		if i := strings.IndexByte(r, ':'); i > 0 {
			r = r[:i]
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// snippet returns text[start:end] shortened for a reason string.
func snippet(text string, start, end int) string {
	start, end = textnorm.ClampSpan(start, end, len(text))
	s := text[start:end]
	const limit = 80
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}

// roleMarkers finds chat-template control tokens anywhere and role labels at
// the start of a line ("SYSTEM:", "### Assistant", "[user]").
func (s *InjectionScanner) roleMarkers(text string, ft *textnorm.Folded, as Source) []evidence {
	var ev []evidence
	low := ft.Text
	if strings.Contains(low, "<|") || strings.Contains(low, "[inst") || strings.Contains(low, "[/inst") || strings.Contains(low, "<<") || strings.Contains(low, "_of_turn>") {
		for _, tok := range injectionSpecialTokens {
			if i := strings.Index(low, tok); i >= 0 {
				start, end := ft.Orig(i), ft.Orig(i+len(tok))
				ev = append(ev, evidence{catRoleMarker, fmt.Sprintf("chat template control token %q", tok), 0.85, start, end})
			}
		}
	}
	for off := 0; off < len(low); {
		nl := strings.IndexByte(low[off:], '\n')
		line := low[off:]
		if nl >= 0 {
			line = low[off : off+nl]
		}
		if e, ok := roleLine(line); ok {
			start, end := ft.Orig(off), ft.Orig(off+len(line))
			ev = append(ev, evidence{catRoleMarker, fmt.Sprintf("fake role marker %q", snippet(text, start, end)), e, start, end})
		}
		if nl < 0 {
			break
		}
		off += nl + 1
	}
	return ev
}

// roleLine reports whether a folded line opens like a turn of a chat
// transcript and how strongly that counts.
func roleLine(line string) (float64, bool) {
	marked := false
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ' ' || c == '\t' || c == '\r' {
			i++
			continue
		}
		if c == '#' || c == '*' || c == '>' || c == '[' || c == '<' || c == '|' || c == '=' || c == '-' || c == '(' || c == '_' {
			marked = marked || c == '#' || c == '[' || c == '<' || c == '|'
			i++
			continue
		}
		break
	}
	rest := line[i:]
	if rest == "" || rest[0] < 'a' || rest[0] > 'z' {
		return 0, false
	}
	j := 0
	for j < len(rest) && j < 24 && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] == ' ') {
		j++
	}
	word := strings.TrimSpace(rest[:j])
	w, ok := injectionRoleWords[word]
	if !ok {
		return 0, false
	}
	after := strings.TrimLeft(rest[j:], " ")
	switch {
	case strings.HasPrefix(after, ":"):
	case marked && (after == "" || after[0] == ']' || after[0] == '>' || after[0] == '|' || after[0] == '#' || after[0] == '*' || after[0] == '\r'):
	default:
		return 0, false
	}
	if marked {
		switch word {
		case "assistant", "ai", "bot", "chatgpt", "gpt", "model", "assistent", "ki":
			w += 0.2
		}
	}
	body := strings.TrimLeft(after, ":]>|#* ")
	if roleLineImperative(body) {
		w = max(w, 0.7)
	} else if body != "" && !marked && w < 0.6 {
		// "System: Android 14" in a spec sheet: a label, not a turn.
		w /= 2
	}
	return w, true
}

// roleLineImperative reports whether the text after a role label speaks to
// the model ("you are", "ignore", "du bist").
func roleLineImperative(body string) bool {
	for _, cue := range []string{"you ", "you'", "your ", "ignore", "du ", "dein", "ignorier", "always", "never", "immer", "from now", "ab sofort", "act as", "respond", "answer", "antworte", "must ", "musst"} {
		if strings.Contains(body, cue) {
			return true
		}
	}
	return false
}

// urls finds links to hosts outside the allowed domains, weighted up when a
// call to action or a markdown image points at them.
func (s *InjectionScanner) urls(text string, ft *textnorm.Folded, m *pattern.Matcher, as Source) []evidence {
	low := ft.Text
	var ev []evidence
	count := 0
	for off := 0; off < len(low) && count < 50; {
		i := indexURL(low[off:])
		if i < 0 {
			break
		}
		i += off
		j := i
		for j < len(low) && !urlStop(low[j]) {
			j++
		}
		raw := strings.TrimRight(low[i:j], ".,;:!?'\"")
		off = max(j, i+1)
		if len(raw) < 8 {
			continue
		}
		count++
		host := urlHost(raw)
		if host == "" || s.allowedHost(host) {
			continue
		}
		w := 0.15
		reason := "link to an unknown domain"
		image := i >= 2 && low[i-1] == '(' && strings.LastIndex(low[max(0, i-200):i], "![") >= 0
		placeholder := strings.ContainsAny(raw, "{$") || strings.Contains(raw, "%7b")
		if image && placeholder {
			w, reason = 0.8, "markdown image that sends data to an unknown domain"
		} else if image {
			w, reason = 0.5, "markdown image from an unknown domain (possible data exfiltration)"
		} else if placeholder {
			w, reason = 0.5, "link with a placeholder in its query (possible data exfiltration)"
		} else if ctaBefore(m, i) {
			w, reason = 0.4, "call to action with a link to an unknown domain"
		}
		if as == Brief {
			w /= 2
		}
		start, end := ft.Orig(i), ft.Orig(i+len(raw))
		ev = append(ev, evidence{catURL, fmt.Sprintf("%s: %s", reason, host), w, start, end})
	}
	return ev
}

func indexURL(s string) int {
	a := strings.Index(s, "http")
	for a >= 0 && !(strings.HasPrefix(s[a:], "http://") || strings.HasPrefix(s[a:], "https://")) {
		n := strings.Index(s[a+4:], "http")
		if n < 0 {
			a = -1
			break
		}
		a += 4 + n
	}
	b := strings.Index(s, "www.")
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

func urlStop(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '"' || c == '<' || c == '>' || c == ')' || c == ']' || c == '`'
}

func urlHost(raw string) string {
	if strings.HasPrefix(raw, "www.") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

func (s *InjectionScanner) allowedHost(host string) bool {
	for _, d := range s.allowed {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// ctaBefore reports whether a call-to-action word stands within six words
// before folded offset i.
func ctaBefore(m *pattern.Matcher, i int) bool {
	k, _ := slices.BinarySearchFunc(m.Tokens, int32(i), func(t textnorm.Token, off int32) int { return int(t.Start - off) })
	for j := k - 1; j >= 0 && j >= k-6; j-- {
		switch w := m.Word(j); {
		case w == "click" || w == "visit" || w == "open" || w == "download" || w == "login" || w == "register" ||
			w == "verify" || w == "confirm" || w == "follow" || w == "go" || w == "sign" || w == "log" || w == "send":
			return true
		case strings.HasPrefix(w, "klick") || strings.HasPrefix(w, "besuch") || strings.HasPrefix(w, "öffne") ||
			strings.HasPrefix(w, "herunterlad") || strings.HasPrefix(w, "anmeld") || strings.HasPrefix(w, "einlogg") ||
			strings.HasPrefix(w, "registrier") || strings.HasPrefix(w, "bestätig") || strings.HasPrefix(w, "verifizier") ||
			strings.HasPrefix(w, "folge") || strings.HasPrefix(w, "gehe") || strings.HasPrefix(w, "schick") ||
			strings.HasPrefix(w, "sende") || strings.HasPrefix(w, "lade"):
			return true
		}
	}
	return false
}

// hiddenRegions returns original-offset ranges a browser would not show: HTML
// comments and elements styled invisible.
func hiddenRegions(text string) [][2]int {
	var out [][2]int
	for off := 0; off < len(text); {
		i := strings.Index(text[off:], "<!--")
		if i < 0 {
			break
		}
		i += off
		j := strings.Index(text[i+4:], "-->")
		end := len(text)
		if j >= 0 {
			end = i + 4 + j
		}
		out = append(out, [2]int{i, end})
		off = end
	}
	if strings.Contains(text, "display") || strings.Contains(text, "visibility") || strings.Contains(text, "font-size") {
		low := strings.ToLower(text)
		for _, marker := range []string{"display:none", "display: none", "visibility:hidden", "visibility: hidden", "font-size:0", "font-size: 0"} {
			for off := 0; off < len(low); {
				i := strings.Index(low[off:], marker)
				if i < 0 {
					break
				}
				i += off
				end := strings.Index(low[i:], "</")
				if end < 0 {
					end = len(low)
				} else {
					end += i
				}
				out = append(out, [2]int{i, end})
				off = i + len(marker)
			}
		}
	}
	return out
}

func inRegions(regions [][2]int, off int) bool {
	for _, r := range regions {
		if off >= r[0] && off < r[1] {
			return true
		}
	}
	return false
}

// encoded decodes base64 runs and scans what they hide.
func (s *InjectionScanner) encoded(text string, as Source, depth int) []evidence {
	var ev []evidence
	found := 0
	for i := 0; i < len(text) && found < 8; {
		if !base64Byte(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && base64Byte(text[j]) {
			j++
		}
		for j < len(text) && text[j] == '=' && j-i < 4096+2 {
			j++
		}
		if j-i >= 24 {
			found++
			if dec, ok := decodeBase64Text(text[i:j]); ok {
				sub := s.collect(dec, as, depth+1)
				inner := s.verdict(dec, sub, as)
				if inner.Score >= 0.5 {
					ev = append(ev, evidence{catEncoded, fmt.Sprintf("base64 text that decodes to instructions (%s)", firstReason(inner)), max(0.85, inner.Score), i, j})
				}
			}
		}
		i = j + 1
	}
	return ev
}

func firstReason(r InjectionResult) string {
	if len(r.Reasons) == 0 {
		return ""
	}
	return r.Reasons[0]
}

func base64Byte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_'
}

// decodeBase64Text decodes s in any common base64 alphabet and returns it when
// it is mostly printable UTF-8 text.
func decodeBase64Text(s string) (string, bool) {
	if len(s) > 64<<10 {
		s = s[:64<<10]
	}
	trimmed := strings.TrimRight(s, "=")
	var dec []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		n := len(trimmed) / 4 * 4
		if len(trimmed)%4 >= 2 {
			n = len(trimmed)
		}
		dec, err = enc.DecodeString(trimmed[:n])
		if err == nil {
			break
		}
	}
	if err != nil || len(dec) < 12 || !utf8.Valid(dec) {
		return "", false
	}
	printable, letters := 0, 0
	for _, r := range string(dec) {
		if r >= 0x20 && r != 0x7f || r == '\n' || r == '\t' || r == '\r' {
			printable++
		}
		if r == ' ' {
			letters++
		}
	}
	if printable*10 < utf8.RuneCount(dec)*9 || letters == 0 {
		return "", false
	}
	return string(dec), true
}
