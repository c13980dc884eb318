-- 003_ingest: access-list visibility under row-level security, the keyed
-- index of personal data per chunk, and erased data subjects.
--
-- Reading is limited twice: tenant_isolation (001) keeps a transaction in
-- its tenant, and the restrictive acl_visibility policy below keeps it to the
-- rows its principal may see: access list, clearance, status and validity
-- window. Tenant-scoped maintenance (ingest upserts, deletion, erasure,
-- retention) declares kontext.scope = 'tenant' and then sees every row of its
-- tenant, never another tenant's.

CREATE FUNCTION kontext_user() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('kontext.user', true), '') $$;

CREATE FUNCTION kontext_groups() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(string_to_array(nullif(current_setting('kontext.groups', true), ''), ','), '{}'::text[]) $$;

CREATE FUNCTION kontext_clearance() RETURNS classification
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(nullif(current_setting('kontext.clearance', true), '')::classification, 'public') $$;

CREATE FUNCTION kontext_tenant_scope() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('kontext.scope', true), '') = 'tenant' $$;

CREATE POLICY acl_visibility ON documents AS RESTRICTIVE FOR SELECT USING (
    kontext_tenant_scope() OR (
        (tenant_wide OR allowed_groups && kontext_groups() OR kontext_user() = ANY (allowed_users))
        AND classification <= kontext_clearance()
        AND status = 'active'
        AND (valid_from IS NULL OR valid_from <= now())
        AND (valid_until IS NULL OR valid_until > now())
    )
);

CREATE POLICY acl_visibility ON chunks AS RESTRICTIVE FOR SELECT USING (
    kontext_tenant_scope() OR (
        (tenant_wide OR allowed_groups && kontext_groups() OR kontext_user() = ANY (allowed_users))
        AND classification <= kontext_clearance()
        AND status = 'active'
        AND (valid_from IS NULL OR valid_from <= now())
        AND (valid_until IS NULL OR valid_until > now())
    )
);

-- Writes need the tenant scope as well: a reader's transaction cannot
-- change or delete documents even inside its tenant.
CREATE POLICY tenant_scope_writes ON documents AS RESTRICTIVE FOR UPDATE USING (kontext_tenant_scope());
CREATE POLICY tenant_scope_deletes ON documents AS RESTRICTIVE FOR DELETE USING (kontext_tenant_scope());
CREATE POLICY tenant_scope_inserts ON documents AS RESTRICTIVE FOR INSERT WITH CHECK (kontext_tenant_scope());
CREATE POLICY tenant_scope_writes ON chunks AS RESTRICTIVE FOR UPDATE USING (kontext_tenant_scope());
CREATE POLICY tenant_scope_deletes ON chunks AS RESTRICTIVE FOR DELETE USING (kontext_tenant_scope());
CREATE POLICY tenant_scope_inserts ON chunks AS RESTRICTIVE FOR INSERT WITH CHECK (kontext_tenant_scope());

CREATE INDEX chunks_document ON chunks (document_id);
CREATE INDEX documents_tenant_updated ON documents (tenant, updated_at DESC, id);

-- chunk_pii records which kinds of personal data a chunk holds, as a keyed
-- hash (HMAC-SHA256 with the server's secret over the normalised value),
-- never the value itself. Erasure by data subject looks chunks up here.
CREATE TABLE chunk_pii (
    chunk_id bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    tenant   text NOT NULL,
    type     text NOT NULL,
    hash     bytea NOT NULL,
    PRIMARY KEY (chunk_id, type, hash)
);
CREATE INDEX chunk_pii_lookup ON chunk_pii (tenant, hash);

ALTER TABLE chunk_pii ENABLE ROW LEVEL SECURITY;
ALTER TABLE chunk_pii FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON chunk_pii
    USING (tenant = kontext_tenant() AND kontext_tenant_scope())
    WITH CHECK (tenant = kontext_tenant() AND kontext_tenant_scope());

-- erased_subjects remembers erased data subjects (keyed hashes only) so that
-- a later ingest of the same source redacts them instead of bringing them back.
CREATE TABLE erased_subjects (
    tenant    text NOT NULL REFERENCES tenants (id),
    hash      bytea NOT NULL,
    type      text NOT NULL,
    erased_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, hash)
);
ALTER TABLE erased_subjects ENABLE ROW LEVEL SECURITY;
ALTER TABLE erased_subjects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON erased_subjects
    USING (tenant = kontext_tenant() AND kontext_tenant_scope())
    WITH CHECK (tenant = kontext_tenant() AND kontext_tenant_scope());

-- Tenant ids (not their data) may be listed by maintenance jobs that walk
-- every tenant, such as the retention sweep.
CREATE POLICY list_tenants ON tenants FOR SELECT
    USING (current_setting('kontext.list_tenants', true) = 'on');

DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT, INSERT, DELETE ON chunk_pii TO %I', app);
    EXECUTE format('GRANT SELECT, INSERT ON erased_subjects TO %I', app);
END
$$;
