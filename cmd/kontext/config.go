package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"kontext"
	"kontext/api"
	"kontext/guard/pii"
)

// Defaults match the roles and database that scripts/db.sh creates.
const (
	defaultAppURL   = "postgres://kontext:kontext@localhost:5432/kontext?sslmode=disable"
	defaultOwnerURL = "postgres://kontext_owner:kontext@localhost:5432/kontext?sslmode=disable"
)

// Config is every setting of the binary, read once from flags with
// environment fallbacks and validated before anything starts.
type Config struct {
	DatabaseURL      string
	OwnerDatabaseURL string
	DBMaxConns       int32
	DBWait           time.Duration
	Addr             string
	MigrateOnStart   bool
	MaxBodyBytes     int64

	// ReplicaURLs are streaming replicas searches read from; ReplicaMaxLag
	// and ReplicaWait bound their lag and the read-your-writes wait.
	ReplicaURLs   []string
	ReplicaMaxLag time.Duration
	ReplicaWait   time.Duration

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration

	LLMBaseURL           string
	LLMAPIKey            string
	LLMModel             string
	LLMRegion            string
	LLMMaxClassification kontext.Classification
	LLMPrice             string
	LLMTimeout           time.Duration
	ProvidersFile        string
	Brands               []string
	CacheTTL             time.Duration
	RestoreTypes         []string
	MaxGenerations       int
	EvalReport           string

	WorkerConcurrency int
	NoWorkers         bool
	BatchMaxAttempts  int
	BatchMaxItems     int
	BatchJobTimeout   time.Duration
	BatchRescueAfter  time.Duration
	BatchRetryBase    time.Duration

	EmbeddingBaseURL    string
	EmbeddingAPIKey     string
	EmbeddingModel      string
	EmbeddingDimensions int

	SearchEf             int
	SearchGroupEf        int
	SearchExactThreshold int
	// SearchVectorWeight and SearchTextWeight are the fusion weights of
	// the legs; nil: the embedding model's defaults.
	SearchVectorWeight, SearchTextWeight *float64

	InjectionThreshold float64 // 0: the per-side defaults of guard/inject

	RerankURL    string
	RerankStyle  string
	RerankModel  string
	RerankAPIKey string

	RateLimits map[kontext.Role]api.RateLimit

	Secret           string
	SecretFile       string
	MaxDocumentBytes int64
	IngestTimeout    time.Duration
	// PDFTimeout, PDFMemoryBytes and PDFMaxPages bound the Poppler
	// processes that read one PDF.
	PDFTimeout     time.Duration
	PDFMemoryBytes int64
	PDFMaxPages    int

	LogLevel  slog.Level
	LogFormat string
}

// setting is one configuration value: a flag, its environment variable and
// its default. Values are read as strings and parsed in one place so that a
// bad environment value is reported like a bad flag.
type setting struct {
	flag, env, def, help string
	secret               bool
	boolean              bool // --flag alone means --flag=true
	registered           bool
	value                string
}

// settingValue is a setting as a flag.Value. Boolean settings report
// IsBoolFlag, so that --no-workers parses like --no-workers=true.
type settingValue struct{ st *setting }

// String is empty: the flag package would print it as the default in help,
// unmasked; the usage text states the default, with secrets masked.
func (v settingValue) String() string { return "" }

func (v settingValue) Set(s string) error {
	v.st.value = s
	return nil
}

func (v settingValue) IsBoolFlag() bool { return v.st != nil && v.st.boolean }

type settings struct {
	list  []*setting
	byKey map[string]*setting
	// noFileChecks skips checking that files named by settings exist (dry runs).
	noFileChecks bool
}

func newSettings() *settings {
	s := &settings{byKey: map[string]*setting{}}
	add := func(st setting) {
		p := &st
		p.value = p.def
		if v, ok := os.LookupEnv(p.env); ok {
			p.value = v
		}
		s.list = append(s.list, p)
		s.byKey[p.flag] = p
	}
	add(setting{flag: "database-url", env: "DATABASE_URL", def: defaultAppURL,
		help: "PostgreSQL URL of the application role (row-level security applies to it)", secret: true})
	add(setting{flag: "owner-database-url", env: "KONTEXT_OWNER_DATABASE_URL",
		help: "PostgreSQL URL of the schema owner, used for migrations (default: DATABASE_URL if set, else the local owner role)", secret: true})
	add(setting{flag: "db-max-conns", env: "KONTEXT_DB_MAX_CONNS", def: "10", help: "maximum connections in the application pool"})
	add(setting{flag: "db-wait", env: "KONTEXT_DB_WAIT", def: "30s", help: "how long serve and worker wait at start for the database to accept connections, a log line per attempt (0: fail at once)"})
	add(setting{flag: "database-replica-urls", env: "KONTEXT_DATABASE_REPLICA_URLS", secret: true,
		help: "comma-separated PostgreSQL URLs of streaming replicas (application role) that searches read from; empty: the primary"})
	add(setting{flag: "replica-max-lag", env: "KONTEXT_REPLICA_MAX_LAG", def: "5s", help: "a replica that has not replayed what the primary wrote this long ago is not read from"})
	add(setting{flag: "replica-wait", env: "KONTEXT_REPLICA_WAIT", def: "250ms", help: "how long a tenant's search after its own write waits for a replica to replay it before reading the primary"})
	add(setting{flag: "addr", env: "KONTEXT_ADDR", def: ":8080", help: "HTTP listen address"})
	add(setting{flag: "migrate", env: "KONTEXT_MIGRATE", def: "true", boolean: true, help: "apply pending migrations when serving starts"})
	add(setting{flag: "max-body-bytes", env: "KONTEXT_MAX_BODY_BYTES", def: strconv.Itoa(10 << 20), help: "request body limit in bytes (413 beyond)"})
	add(setting{flag: "read-header-timeout", env: "KONTEXT_READ_HEADER_TIMEOUT", def: "5s", help: "time to read request headers"})
	add(setting{flag: "read-timeout", env: "KONTEXT_READ_TIMEOUT", def: "60s", help: "time to read a whole request"})
	add(setting{flag: "write-timeout", env: "KONTEXT_WRITE_TIMEOUT", def: "180s", help: "time to write a response (streams extend it as they progress)"})
	add(setting{flag: "idle-timeout", env: "KONTEXT_IDLE_TIMEOUT", def: "120s", help: "keep-alive idle time"})
	add(setting{flag: "shutdown-timeout", env: "KONTEXT_SHUTDOWN_TIMEOUT", def: "30s", help: "time in-flight requests get to finish after SIGINT/SIGTERM"})
	add(setting{flag: "llm-base-url", env: "KONTEXT_LLM_BASE_URL", help: "OpenAI-compatible API base URL; empty uses the offline provider"})
	add(setting{flag: "llm-api-key", env: "KONTEXT_LLM_API_KEY", help: "API key for the LLM provider", secret: true})
	add(setting{flag: "llm-model", env: "KONTEXT_LLM_MODEL", help: "chat model name at the LLM provider"})
	add(setting{flag: "llm-region", env: "KONTEXT_LLM_REGION", def: "unknown", help: "region of the --llm-base-url provider, recorded in provenance"})
	add(setting{flag: "llm-max-classification", env: "KONTEXT_LLM_MAX_CLASSIFICATION", def: "public",
		help: "highest classification of sources the --llm-base-url provider may receive: public, internal, confidential"})
	add(setting{flag: "llm-price", env: "KONTEXT_LLM_PRICE", def: "0:0", help: "price of the --llm-base-url model in EUR per million prompt:completion tokens"})
	add(setting{flag: "llm-timeout", env: "KONTEXT_LLM_TIMEOUT", def: "60s",
		help: "longest one call to the --llm-base-url provider may take, retries included (504 provider_timeout beyond); shorter than --write-timeout"})
	add(setting{flag: "providers", env: "KONTEXT_PROVIDERS", help: "YAML file of named chat providers (overrides --llm-*); see docs/generation.md"})
	add(setting{flag: "brands", env: "KONTEXT_BRANDS", help: "comma-separated brand pack YAML files; the first is the default brand"})
	add(setting{flag: "cache-ttl", env: "KONTEXT_CACHE_TTL", def: "10m", help: "how long an identical generate request is answered from the cache (0 turns it off)"})
	add(setting{flag: "restore-types", env: "KONTEXT_RESTORE_TYPES", help: "kinds of personal data put back into drafts, e.g. person,email (default: none)"})
	add(setting{flag: "max-generations", env: "KONTEXT_MAX_GENERATIONS", def: "64", help: "generations running at once in one process; more get 503 after waiting a second"})
	add(setting{flag: "eval-report", env: "KONTEXT_EVAL_REPORT", def: "evals/out/report.json", help: "JSON report of the last eval run, shown read-only by GET /v1/evals/last and the desk"})
	add(setting{flag: "concurrency", env: "KONTEXT_WORKER_CONCURRENCY", def: "10", help: "batch items one process works at once"})
	add(setting{flag: "no-workers", env: "KONTEXT_NO_WORKERS", def: "false", boolean: true, help: "serve the API without working batch items (run `kontext worker` elsewhere)"})
	add(setting{flag: "batch-max-attempts", env: "KONTEXT_BATCH_MAX_ATTEMPTS", def: "5", help: "attempts per batch item on provider errors"})
	add(setting{flag: "batch-max-items", env: "KONTEXT_BATCH_MAX_ITEMS", def: "10000", help: "largest batch accepted, in items"})
	add(setting{flag: "batch-job-timeout", env: "KONTEXT_BATCH_JOB_TIMEOUT", def: "5m", help: "time one attempt at a batch item may take"})
	add(setting{flag: "batch-rescue-after", env: "KONTEXT_BATCH_RESCUE_AFTER", def: "6m",
		help: "time after which an item still running (its worker died) is given to another worker; more than --batch-job-timeout"})
	add(setting{flag: "batch-retry-base", env: "KONTEXT_BATCH_RETRY_BASE", def: "2s", help: "first wait before retrying a batch item; doubles per attempt up to 5m"})
	add(setting{flag: "embedding-base-url", env: "KONTEXT_EMBEDDING_BASE_URL", help: "OpenAI-compatible embeddings base URL; empty uses the offline hashing embedder"})
	add(setting{flag: "embedding-api-key", env: "KONTEXT_EMBEDDING_API_KEY", help: "API key for the embeddings endpoint", secret: true})
	add(setting{flag: "embedding-model", env: "KONTEXT_EMBEDDING_MODEL", help: "embedding model name at the endpoint"})
	add(setting{flag: "embedding-dimensions", env: "KONTEXT_EMBEDDING_DIMENSIONS", def: "384", help: "embedding dimensions (offline embedder, or requested from the endpoint)"})
	add(setting{flag: "rate-limits", env: "KONTEXT_RATE_LIMITS", help: "requests per second and burst per API key by role, e.g. viewer=20:40,admin=10:20 (defaults: 20:40, admin 10:20)"})
	add(setting{flag: "search-ef", env: "KONTEXT_SEARCH_EF", def: "400",
		help: "HNSW search width (hnsw.ef_search, 10-1000) for callers who see many chunks: higher finds more of the true nearest neighbours, slower"})
	add(setting{flag: "search-group-ef", env: "KONTEXT_SEARCH_GROUP_EF", def: "100",
		help: "HNSW search width (10-1000) when a search reads only the caller's group indexes (kontext index groups); 0: never read group indexes"})
	add(setting{flag: "search-exact-threshold", env: "KONTEXT_SEARCH_EXACT_THRESHOLD", def: "0",
		help: "callers who see at most this many chunks get an exact vector scan instead of the HNSW index (0: the measured crossover for the table's size and --search-ef)"})
	add(setting{flag: "vector-weight", env: "KONTEXT_SEARCH_VECTOR_WEIGHT",
		help: "weight of the vector leg in the fusion, 0-10 (0: the leg does not run); empty: the embedding model's default (offline hashing embedder 0, others 1)"})
	add(setting{flag: "text-weight", env: "KONTEXT_SEARCH_TEXT_WEIGHT",
		help: "weight of the lexical (BM25) leg in the fusion, 0-10; empty: 1"})
	add(setting{flag: "injection-threshold", env: "KONTEXT_INJECTION_THRESHOLD",
		help: "injection score (0-1] from which a brief or document counts as an injection; empty: 0.5 for briefs, 0.6 for documents"})
	add(setting{flag: "rerank-url", env: "KONTEXT_RERANK_URL", help: "re-ranking endpoint (text-embeddings-inference /rerank or Jina-style /v1/rerank); empty: no re-ranking"})
	add(setting{flag: "rerank-style", env: "KONTEXT_RERANK_STYLE", def: "tei", help: "re-ranking API: tei or jina"})
	add(setting{flag: "rerank-model", env: "KONTEXT_RERANK_MODEL", help: "re-ranking model (jina style)"})
	add(setting{flag: "rerank-api-key", env: "KONTEXT_RERANK_API_KEY", help: "API key for the re-ranking endpoint", secret: true})
	add(setting{flag: "secret", env: "KONTEXT_SECRET", help: "server secret keying the personal data index (at least 32 characters); overrides --secret-file", secret: true})
	add(setting{flag: "secret-file", env: "KONTEXT_SECRET_FILE", def: defaultSecretFile(), help: "file holding the server secret; created on first use"})
	add(setting{flag: "max-document-bytes", env: "KONTEXT_MAX_DOCUMENT_BYTES", def: strconv.Itoa(20 << 20), help: "largest document accepted, in bytes"})
	add(setting{flag: "ingest-timeout", env: "KONTEXT_INGEST_TIMEOUT", def: "1m", help: "longest one document may take to parse, check, chunk and embed; beyond it 413"})
	add(setting{flag: "pdf-timeout", env: "KONTEXT_PDF_TIMEOUT", def: "30s", help: "longest each PDF tool (pdfinfo, pdftohtml) may run on one document; beyond it 413"})
	add(setting{flag: "pdf-memory-mb", env: "KONTEXT_PDF_MEMORY_MB", def: "512", help: "address-space limit of each PDF tool process, in MiB; a document needing more is refused (413)"})
	add(setting{flag: "pdf-max-pages", env: "KONTEXT_PDF_MAX_PAGES", def: "2000", help: "longest PDF accepted, in pages; longer ones are refused (413) before their text is read"})
	add(setting{flag: "log-level", env: "KONTEXT_LOG_LEVEL", def: "info", help: "debug, info, warn or error"})
	add(setting{flag: "log-format", env: "KONTEXT_LOG_FORMAT", def: "json", help: "json or text"})
	return s
}

// register adds the named settings as flags to fs; the flag's default is the
// environment variable's value when set.
func (s *settings) register(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		st := s.byKey[n]
		if st == nil {
			panic("unknown setting " + n)
		}
		st.registered = true
		def := st.def
		if st.secret && def != "" {
			def = mask(st.flag, def)
		}
		fs.Var(settingValue{st}, st.flag, fmt.Sprintf("%s (env %s, default %q)", st.help, st.env, def))
	}
}

var (
	serveSettings = []string{"database-url", "owner-database-url", "db-max-conns", "db-wait", "database-replica-urls", "replica-max-lag", "replica-wait", "addr", "migrate", "max-body-bytes",
		"read-header-timeout", "read-timeout", "write-timeout", "idle-timeout", "shutdown-timeout",
		"log-level", "log-format",
		"embedding-base-url", "embedding-api-key", "embedding-model", "embedding-dimensions", "secret", "secret-file",
		"max-document-bytes", "ingest-timeout", "pdf-timeout", "pdf-memory-mb", "pdf-max-pages", "rerank-url", "rerank-style", "rerank-model", "rerank-api-key", "rate-limits", "search-ef", "search-group-ef", "search-exact-threshold",
		"injection-threshold", "llm-base-url", "llm-api-key", "llm-model", "llm-region", "llm-max-classification", "llm-price", "llm-timeout", "providers",
		"brands", "cache-ttl", "restore-types", "max-generations", "no-workers", "concurrency", "eval-report",
		"batch-max-attempts", "batch-max-items", "batch-job-timeout", "batch-rescue-after", "batch-retry-base"}
	// batchSettings tune batch submission and workers.
	batchSettings = []string{"batch-max-attempts", "batch-max-items", "batch-job-timeout", "batch-rescue-after", "batch-retry-base"}
	// generateSettings are what the generate command needs beyond providerSettings.
	generateSettings = []string{"llm-base-url", "llm-api-key", "llm-model", "llm-region", "llm-max-classification",
		"llm-price", "llm-timeout", "providers", "brands", "cache-ttl", "restore-types"}
	migrateSettings = []string{"database-url", "owner-database-url", "log-level", "log-format",
		"embedding-base-url", "embedding-api-key", "embedding-model", "embedding-dimensions"}
)

// config parses and validates the settings, reporting every bad value of the
// command's registered settings at once, one line each.
func (s *settings) config() (Config, error) {
	var c Config
	var errs []error
	get := func(name string) (string, *setting) {
		st := s.byKey[name]
		return strings.TrimSpace(st.value), st
	}
	bad := func(st *setting, v, why string) {
		if !st.registered {
			return // not a setting of this command: its default applies
		}
		shown := v
		if st.secret {
			shown = mask(st.flag, v)
		}
		errs = append(errs, fmt.Errorf("--%s / %s = %q: %s", st.flag, st.env, shown, why))
	}
	dur := func(name string) time.Duration {
		v, st := get(name)
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			bad(st, v, "want a positive duration such as 30s or 2m")
		}
		return d
	}
	pgURL := func(name string) string {
		v, st := get(name)
		if v == "" {
			return ""
		}
		if _, err := pgxpool.ParseConfig(v); err != nil {
			bad(st, v, "not a PostgreSQL connection string: "+firstLine(err.Error()))
		}
		return v
	}

	c.DatabaseURL = pgURL("database-url")
	if c.DatabaseURL == "" {
		_, st := get("database-url")
		bad(st, "", "must not be empty")
	}
	c.OwnerDatabaseURL = pgURL("owner-database-url")
	if c.OwnerDatabaseURL == "" {
		if _, set := os.LookupEnv("DATABASE_URL"); set || c.DatabaseURL != defaultAppURL {
			c.OwnerDatabaseURL = c.DatabaseURL
		} else {
			c.OwnerDatabaseURL = defaultOwnerURL
		}
	}
	{
		v, st := get("db-max-conns")
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 1 || n > 1000 {
			bad(st, v, "want an integer from 1 to 1000")
		}
		c.DBMaxConns = int32(n)
		v, st = get("db-wait")
		if c.DBWait, err = time.ParseDuration(v); err != nil || c.DBWait < 0 {
			bad(st, v, "want a duration such as 30s, or 0 to fail at once")
		}
		v, st = get("database-replica-urls")
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u == "" {
				continue
			}
			if _, err := pgxpool.ParseConfig(u); err != nil {
				bad(st, u, "not a list of PostgreSQL connection strings: "+firstLine(err.Error()))
			}
			c.ReplicaURLs = append(c.ReplicaURLs, u)
		}
		c.ReplicaMaxLag, c.ReplicaWait = dur("replica-max-lag"), dur("replica-wait")
	}
	{
		v, st := get("addr")
		if _, port, err := net.SplitHostPort(v); err != nil {
			bad(st, v, "want host:port such as :8080 or 127.0.0.1:8080")
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			bad(st, v, "port must be a number from 0 to 65535")
		}
		c.Addr = v
	}
	{
		v, st := get("migrate")
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad(st, v, "want true or false")
		}
		c.MigrateOnStart = b
	}
	{
		v, st := get("max-body-bytes")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			bad(st, v, "want a number of bytes, at least 1024")
		}
		c.MaxBodyBytes = n
	}
	c.ReadHeaderTimeout = dur("read-header-timeout")
	c.ReadTimeout = dur("read-timeout")
	c.WriteTimeout = dur("write-timeout")
	c.IdleTimeout = dur("idle-timeout")
	c.ShutdownTimeout = dur("shutdown-timeout")
	c.LLMTimeout = dur("llm-timeout")
	if _, st := get("write-timeout"); st.registered && c.LLMTimeout >= c.WriteTimeout && c.WriteTimeout > 0 {
		_, lt := get("llm-timeout")
		bad(lt, c.LLMTimeout.String(), "must be shorter than --write-timeout ("+c.WriteTimeout.String()+
			"), or a client waiting for a draft is cut off before it gets the 504")
	}

	c.LLMBaseURL, _ = get("llm-base-url")
	c.LLMAPIKey, _ = get("llm-api-key")
	c.LLMModel, _ = get("llm-model")
	if c.LLMBaseURL != "" {
		u, err := url.Parse(c.LLMBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			_, st := get("llm-base-url")
			bad(st, c.LLMBaseURL, "want an http or https URL such as https://api.openai.com/v1")
		}
		if c.LLMModel == "" {
			_, st := get("llm-model")
			bad(st, "", "required when --llm-base-url is set")
		}
	}

	{
		v, st := get("llm-max-classification")
		cls, err := kontext.ParseClassification(v)
		if err != nil {
			bad(st, v, "want public, internal or confidential")
		}
		c.LLMMaxClassification = cls
	}
	c.LLMRegion, _ = get("llm-region")
	{
		v, st := get("llm-price")
		c.LLMPrice = v
		if _, err := parsePrice(v); err != nil {
			bad(st, v, err.Error())
		}
	}
	{
		v, st := get("providers")
		if v != "" && !s.noFileChecks {
			if _, err := os.Stat(v); err != nil {
				bad(st, v, "cannot read the file: "+err.Error())
			}
		}
		c.ProvidersFile = v
	}
	{
		v, st := get("brands")
		for _, f := range splitList(v) {
			if _, err := os.Stat(f); err != nil && !s.noFileChecks {
				bad(st, v, "cannot read "+f+": "+err.Error())
			}
			c.Brands = append(c.Brands, f)
		}
	}
	{
		v, st := get("cache-ttl")
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad(st, v, "want a duration such as 10m, or 0 for no cache")
		}
		c.CacheTTL = d
	}
	{
		v, st := get("restore-types")
		for _, t := range splitList(v) {
			if !slices.Contains(pii.Types(), t) {
				bad(st, v, fmt.Sprintf("%q is not a kind of personal data (%s)", t, strings.Join(pii.Types(), ", ")))
			}
			c.RestoreTypes = append(c.RestoreTypes, t)
		}
	}
	{
		v, st := get("max-generations")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			bad(st, v, "want an integer from 1 to 10000")
		}
		c.MaxGenerations = n
	}
	c.EvalReport, _ = get("eval-report")
	{
		v, st := get("search-ef")
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 1000 {
			bad(st, v, "want an integer from 10 to 1000")
		}
		c.SearchEf = n
		v, st = get("search-group-ef")
		if c.SearchGroupEf, err = strconv.Atoi(v); err != nil || c.SearchGroupEf != 0 && (c.SearchGroupEf < 10 || c.SearchGroupEf > 1000) {
			bad(st, v, "want 0 (group indexes unused) or an integer from 10 to 1000")
		}
		v, st = get("search-exact-threshold")
		if c.SearchExactThreshold, err = strconv.Atoi(v); err != nil || c.SearchExactThreshold < 0 || c.SearchExactThreshold > 10000000 {
			bad(st, v, "want an integer from 0 to 10000000")
		}
		for _, w := range []struct {
			name string
			dst  **float64
		}{{"vector-weight", &c.SearchVectorWeight}, {"text-weight", &c.SearchTextWeight}} {
			v, st := get(w.name)
			if v == "" {
				continue
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 10 {
				bad(st, v, "want a number from 0 to 10")
				continue
			}
			*w.dst = &f
		}
		if c.SearchVectorWeight != nil && c.SearchTextWeight != nil && *c.SearchVectorWeight == 0 && *c.SearchTextWeight == 0 {
			_, st := get("text-weight")
			bad(st, "0", "the vector and the text weight cannot both be 0")
		}
	}
	if v, st := get("injection-threshold"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f <= 1) {
			bad(st, v, "want a number above 0 and at most 1")
		}
		c.InjectionThreshold = f
	}
	{
		v, st := get("concurrency")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			bad(st, v, "want an integer from 1 to 1000")
		}
		c.WorkerConcurrency = n
		v, st = get("no-workers")
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad(st, v, "want true or false")
		}
		c.NoWorkers = b
		v, st = get("batch-max-attempts")
		if c.BatchMaxAttempts, err = strconv.Atoi(v); err != nil || c.BatchMaxAttempts < 1 || c.BatchMaxAttempts > 100 {
			bad(st, v, "want an integer from 1 to 100")
		}
		v, st = get("batch-max-items")
		if c.BatchMaxItems, err = strconv.Atoi(v); err != nil || c.BatchMaxItems < 1 || c.BatchMaxItems > 1000000 {
			bad(st, v, "want an integer from 1 to 1000000")
		}
		c.BatchJobTimeout = dur("batch-job-timeout")
		c.BatchRescueAfter = dur("batch-rescue-after")
		c.BatchRetryBase = dur("batch-retry-base")
		if c.BatchRescueAfter <= c.BatchJobTimeout {
			_, st := get("batch-rescue-after")
			bad(st, c.BatchRescueAfter.String(), "must be longer than --batch-job-timeout ("+c.BatchJobTimeout.String()+")")
		}
	}

	c.EmbeddingBaseURL, _ = get("embedding-base-url")
	c.EmbeddingAPIKey, _ = get("embedding-api-key")
	c.EmbeddingModel, _ = get("embedding-model")
	{
		v, st := get("embedding-dimensions")
		n, err := strconv.Atoi(v)
		if err != nil || n < 8 || n > 16000 {
			bad(st, v, "want a number of dimensions from 8 to 16000")
		}
		c.EmbeddingDimensions = n
	}
	if c.EmbeddingBaseURL != "" {
		u, err := url.Parse(c.EmbeddingBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			_, st := get("embedding-base-url")
			bad(st, c.EmbeddingBaseURL, "want an http or https URL")
		}
		if c.EmbeddingModel == "" {
			_, st := get("embedding-model")
			bad(st, "", "required when --embedding-base-url is set")
		}
	}
	{
		v, st := get("rate-limits")
		limits, err := api.ParseRateLimits(v)
		if err != nil {
			bad(st, v, err.Error())
		}
		c.RateLimits = limits
	}
	c.RerankURL, _ = get("rerank-url")
	c.RerankModel, _ = get("rerank-model")
	c.RerankAPIKey, _ = get("rerank-api-key")
	{
		v, st := get("rerank-style")
		if v != "tei" && v != "jina" {
			bad(st, v, "want tei or jina")
		}
		c.RerankStyle = v
	}
	if c.RerankURL != "" {
		u, err := url.Parse(c.RerankURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			_, st := get("rerank-url")
			bad(st, c.RerankURL, "want an http or https URL")
		}
	}
	{
		v, st := get("secret")
		if v != "" && len(v) < 32 {
			bad(st, v, "must be at least 32 characters")
		}
		c.Secret = v
	}
	c.SecretFile, _ = get("secret-file")
	{
		v, st := get("max-document-bytes")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			bad(st, v, "want a number of bytes, at least 1024")
		}
		c.MaxDocumentBytes = n
	}
	c.IngestTimeout = dur("ingest-timeout")
	c.PDFTimeout = dur("pdf-timeout")
	for _, n := range []struct {
		name string
		min  int
		dst  func(int)
	}{{"pdf-memory-mb", 64, func(v int) { c.PDFMemoryBytes = int64(v) << 20 }}, {"pdf-max-pages", 1, func(v int) { c.PDFMaxPages = v }}} {
		v, st := get(n.name)
		i, err := strconv.Atoi(v)
		if err != nil || i < n.min {
			bad(st, v, fmt.Sprintf("want a whole number, at least %d", n.min))
		}
		n.dst(i)
	}
	{
		v, st := get("log-level")
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			bad(st, v, "want debug, info, warn or error")
		}
	}
	{
		v, st := get("log-format")
		if v != "json" && v != "text" {
			bad(st, v, "want json or text")
		}
		c.LogFormat = v
	}
	if len(errs) > 0 {
		lines := make([]string, len(errs))
		for i, e := range errs {
			lines[i] = "  " + e.Error()
		}
		return c, fmt.Errorf("%w: invalid configuration:\n%s", errUsage, strings.Join(lines, "\n"))
	}
	return c, nil
}

// logAttrs returns the configuration for the start-up log, secrets masked.
func (c Config) logAttrs() []any {
	return []any{
		slog.String("database_url", maskURL(c.DatabaseURL)),
		slog.String("owner_database_url", maskURL(c.OwnerDatabaseURL)),
		slog.Int("db_max_conns", int(c.DBMaxConns)),
		slog.Int("database_replicas", len(c.ReplicaURLs)),
		slog.String("addr", c.Addr),
		slog.Bool("migrate", c.MigrateOnStart),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
		slog.String("read_header_timeout", c.ReadHeaderTimeout.String()),
		slog.String("read_timeout", c.ReadTimeout.String()),
		slog.String("write_timeout", c.WriteTimeout.String()),
		slog.String("idle_timeout", c.IdleTimeout.String()),
		slog.String("shutdown_timeout", c.ShutdownTimeout.String()),
		slog.String("llm_provider", c.providerName()),
		slog.String("llm_base_url", c.LLMBaseURL),
		slog.String("llm_model", c.LLMModel),
		slog.String("llm_api_key", mask("llm-api-key", c.LLMAPIKey)),
		slog.String("embedding_provider", c.embeddingName()),
		slog.String("embedding_base_url", c.EmbeddingBaseURL),
		slog.String("embedding_model", c.EmbeddingModel),
		slog.Int("embedding_dimensions", c.EmbeddingDimensions),
		slog.String("embedding_api_key", mask("embedding-api-key", c.EmbeddingAPIKey)),
		slog.String("rerank_url", c.RerankURL),
		slog.String("rerank_style", c.RerankStyle),
		slog.String("rerank_api_key", mask("rerank-api-key", c.RerankAPIKey)),
		slog.String("secret", mask("secret", c.Secret)),
		slog.String("secret_file", c.SecretFile),
		slog.Int64("max_document_bytes", c.MaxDocumentBytes),
		slog.Bool("workers", !c.NoWorkers),
		slog.Int("worker_concurrency", c.WorkerConcurrency),
	}
}

func (c Config) embeddingName() string {
	if c.EmbeddingBaseURL == "" {
		return "offline"
	}
	return "openai-compatible"
}

func (c Config) providerName() string {
	switch {
	case c.ProvidersFile != "":
		return "from " + c.ProvidersFile
	case c.LLMBaseURL == "":
		return "offline"
	}
	return "openai-compatible"
}

// mask hides a secret: URLs keep everything but the password, keys keep
// their last four characters.
func mask(name, v string) string {
	if v == "" {
		return ""
	}
	if strings.Contains(name, "url") {
		return maskURL(v)
	}
	if len(v) <= 8 {
		return "****"
	}
	return "****" + v[len(v)-4:]
}

func maskURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		if strings.Contains(v, "password=") {
			return "(connection string with password)"
		}
		return v
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func newLogger(c Config, w *os.File) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
