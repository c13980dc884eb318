-- 001_init: tenants, documents, chunks and the audit log, with row-level
-- security keyed on the transaction-local setting kontext.tenant.
--
-- The migrator sets kontext.app_role to the role the application connects as;
-- that role gets data privileges only: it owns nothing and has no BYPASSRLS,
-- and FORCE ROW LEVEL SECURITY applies the policies to the owner as well.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TYPE classification AS ENUM ('public', 'internal', 'confidential');
CREATE TYPE document_status AS ENUM ('active', 'quarantined');

-- kontext_tenant returns the tenant of the current transaction, or NULL when
-- none is set (then every policy below matches nothing).
CREATE FUNCTION kontext_tenant() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('kontext.tenant', true), '') $$;

CREATE TABLE tenants (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE documents (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant         text NOT NULL REFERENCES tenants (id),
    external_id    text NOT NULL CHECK (external_id <> ''),
    title          text NOT NULL DEFAULT '',
    source_uri     text NOT NULL DEFAULT '',
    content_type   text NOT NULL DEFAULT '',
    language       text NOT NULL DEFAULT 'simple' CHECK (language IN ('de', 'en', 'simple')),
    content_hash   bytea NOT NULL,
    version        integer NOT NULL DEFAULT 1 CHECK (version > 0),
    classification classification NOT NULL,
    allowed_groups text[] NOT NULL DEFAULT '{}',
    allowed_users  text[] NOT NULL DEFAULT '{}',
    tenant_wide    boolean NOT NULL DEFAULT false,
    valid_from     timestamptz,
    valid_until    timestamptz,
    retain_until   timestamptz,
    status         document_status NOT NULL DEFAULT 'active',
    metadata       jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant, external_id),
    CHECK (tenant_wide OR cardinality(allowed_groups) + cardinality(allowed_users) > 0),
    CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_from < valid_until)
);
CREATE INDEX documents_retain_until ON documents (retain_until) WHERE retain_until IS NOT NULL;

-- chunks carries a denormalised copy of its document's access list, status and
-- validity so that a search filters one table; ingest keeps them in step.
-- The embedding column has no fixed dimension so that several embedding models
-- coexist; each model gets a partial HNSW index over an expression cast.
CREATE TABLE chunks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    tenant          text NOT NULL REFERENCES tenants (id),
    ordinal         integer NOT NULL CHECK (ordinal >= 0),
    heading_path    text NOT NULL DEFAULT '',
    text            text NOT NULL,
    start_offset    integer NOT NULL DEFAULT 0,
    end_offset      integer NOT NULL DEFAULT 0,
    token_count     integer NOT NULL CHECK (token_count >= 0),
    language        text NOT NULL DEFAULT 'simple' CHECK (language IN ('de', 'en', 'simple')),
    -- The chunk's language picks the text search configuration: German
    -- and English stemming, or none.
    tsv             tsvector GENERATED ALWAYS AS (to_tsvector(
                        CASE language WHEN 'de' THEN 'german'::regconfig
                                      WHEN 'en' THEN 'english'::regconfig
                                      ELSE 'simple'::regconfig END, text)) STORED,
    embedding       vector NOT NULL,
    embedding_model text NOT NULL,
    classification  classification NOT NULL,
    allowed_groups  text[] NOT NULL DEFAULT '{}',
    allowed_users   text[] NOT NULL DEFAULT '{}',
    tenant_wide     boolean NOT NULL DEFAULT false,
    status          document_status NOT NULL DEFAULT 'active',
    valid_from      timestamptz,
    valid_until     timestamptz,
    UNIQUE (document_id, ordinal)
);
-- Keep vectors inline: moved out of line beside a long text and a tsvector,
-- exact scans detoast every row and run several times slower.
ALTER TABLE chunks ALTER COLUMN embedding SET STORAGE PLAIN;
CREATE INDEX chunks_tsv ON chunks USING gin (tsv);
CREATE INDEX chunks_allowed_groups ON chunks USING gin (allowed_groups);
CREATE INDEX chunks_tenant_model ON chunks (tenant, embedding_model);

-- audit_events is append-only and hash-chained per tenant: each row stores the
-- hash of the previous row of its tenant, so any edit or deletion breaks the
-- chain. The trigger computes seq, prev_hash and hash; the application cannot
-- choose them.
CREATE TABLE audit_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant     text NOT NULL,
    seq        bigint NOT NULL,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor      text NOT NULL DEFAULT '',
    action     text NOT NULL CHECK (action <> ''),
    subject    text NOT NULL DEFAULT '',
    details    jsonb NOT NULL DEFAULT '{}',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL,
    UNIQUE (tenant, seq)
);

-- audit_event_hash is the canonical hash of one event; verification
-- recomputes it row by row.
CREATE FUNCTION audit_event_hash(prev bytea, tenant text, seq bigint, at timestamptz,
                                 actor text, action text, subject text, details jsonb)
RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(prev || convert_to(
        jsonb_build_array(tenant, seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                          actor, action, subject, details)::text, 'UTF8'))
$$;

CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last audit_events%ROWTYPE;
BEGIN
    -- One writer per tenant at a time, so that seq and prev_hash form a chain.
    PERFORM pg_advisory_xact_lock(hashtextextended('kontext.audit:' || NEW.tenant, 0));
    SELECT * INTO last FROM audit_events WHERE tenant = NEW.tenant ORDER BY seq DESC LIMIT 1;
    NEW.seq := coalesce(last.seq, 0) + 1;
    NEW.at := clock_timestamp();
    NEW.prev_hash := coalesce(last.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    NEW.hash := audit_event_hash(NEW.prev_hash, NEW.tenant, NEW.seq, NEW.at,
                                 NEW.actor, NEW.action, NEW.subject, NEW.details);
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

-- Row-level security: a transaction sees the rows of the tenant it declared
-- with set_config('kontext.tenant', ..., true) and nothing else.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
    USING (id = kontext_tenant()) WITH CHECK (id = kontext_tenant());

ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON documents
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());

ALTER TABLE chunks ENABLE ROW LEVEL SECURITY;
ALTER TABLE chunks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON chunks
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());

ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());

-- Privileges for the application role: data only, and audit rows may be
-- added and read but never changed.
DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
    EXECUTE format('GRANT SELECT ON schema_migrations TO %I', app);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, documents, chunks TO %I', app);
    EXECUTE format('GRANT SELECT, INSERT ON audit_events TO %I', app);
END
$$;
