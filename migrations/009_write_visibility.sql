-- 009_write_visibility: writes see what their caller sees, and may not
-- write above it.
--
-- Until now every write ran in the tenant scope, which sees every row of the
-- tenant: an ingest looked its document up by external id across the whole
-- tenant, so a caller could overwrite (and declassify) a document it could
-- not read. Writes now declare kontext.scope = 'write': the caller's access
-- list and clearance apply as for reads, while status and validity window do
-- not (a writer may replace its quarantined or expired documents). What the
-- caller cannot see, it can neither find, change nor delete.
--
-- The write ceiling: a row written in the write scope must stay visible to
-- its writer (access list and clearance), and a caller that is not an admin
-- may grant only groups it belongs to.
--
-- external_id is unique among the documents a caller can see, no longer
-- across the tenant: a document the caller cannot see never blocks, reveals
-- or is touched by its ingest, so the same request answers the same whether
-- or not such a document exists. Ingest refuses an external id that names
-- more than one document the caller can see (ErrConflict).
--
-- The tenant scope stays for tenant-wide maintenance that has no caller to
-- see as: retention, erasure (a legal duty over every document) and the
-- operator's command line.
--
-- A quarantined document becomes active only through the release action
-- (kontext.action = 'release') of a reviewer or admin, or in the tenant
-- scope; a trigger refuses any other change of its status, whatever the
-- statement.

CREATE FUNCTION kontext_write_scope() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('kontext.scope', true), '') = 'write' $$;

CREATE FUNCTION kontext_role() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce(current_setting('kontext.role', true), '') $$;

ALTER TABLE documents DROP CONSTRAINT documents_tenant_external_id_key;
CREATE INDEX documents_external_id ON documents (tenant, external_id);

-- Reads: in the write scope, status and validity no longer hide a row.
DROP POLICY acl_visibility ON documents;
CREATE POLICY acl_visibility ON documents AS RESTRICTIVE FOR SELECT USING (
    (SELECT kontext_tenant_scope()) OR (
        (tenant_wide OR allowed_groups && (SELECT kontext_groups()) OR (SELECT kontext_user()) = ANY (allowed_users))
        AND classification <= (SELECT kontext_clearance())
        AND ((SELECT kontext_write_scope()) OR (
            status = 'active'
            AND (valid_from IS NULL OR valid_from <= now())
            AND (valid_until IS NULL OR valid_until > now())
        ))
    )
);

DROP POLICY acl_visibility ON chunks;
CREATE POLICY acl_visibility ON chunks AS RESTRICTIVE FOR SELECT USING (
    access && (SELECT kontext_principal_tokens())
    AND ((SELECT kontext_tenant_scope()) OR (
        classification <= (SELECT kontext_clearance())
        AND ((SELECT kontext_write_scope()) OR (
            status = 'active'
            AND (valid_from IS NULL OR valid_from <= now())
            AND (valid_until IS NULL OR valid_until > now())
        ))
    ))
);

-- Writes: the tenant scope, or the write scope on rows the caller sees,
-- leaving rows it still sees and, unless it is an admin, granting only its
-- own groups.
DROP POLICY tenant_scope_writes ON documents;
DROP POLICY tenant_scope_deletes ON documents;
DROP POLICY tenant_scope_inserts ON documents;
CREATE POLICY scoped_updates ON documents AS RESTRICTIVE FOR UPDATE
USING (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND (tenant_wide OR allowed_groups && (SELECT kontext_groups()) OR (SELECT kontext_user()) = ANY (allowed_users))
        AND classification <= (SELECT kontext_clearance()))
)
WITH CHECK (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND (tenant_wide OR allowed_groups && (SELECT kontext_groups()) OR (SELECT kontext_user()) = ANY (allowed_users))
        AND classification <= (SELECT kontext_clearance())
        AND ((SELECT kontext_role()) = 'admin' OR allowed_groups <@ (SELECT kontext_groups())))
);
CREATE POLICY scoped_deletes ON documents AS RESTRICTIVE FOR DELETE
USING (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND (tenant_wide OR allowed_groups && (SELECT kontext_groups()) OR (SELECT kontext_user()) = ANY (allowed_users))
        AND classification <= (SELECT kontext_clearance()))
);
CREATE POLICY scoped_inserts ON documents AS RESTRICTIVE FOR INSERT
WITH CHECK (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND (tenant_wide OR allowed_groups && (SELECT kontext_groups()) OR (SELECT kontext_user()) = ANY (allowed_users))
        AND classification <= (SELECT kontext_clearance())
        AND ((SELECT kontext_role()) = 'admin' OR allowed_groups <@ (SELECT kontext_groups())))
);

-- Chunks mirror their document's access list; in the write scope a chunk
-- must be one the caller sees, before and after.
DROP POLICY tenant_scope_writes ON chunks;
DROP POLICY tenant_scope_deletes ON chunks;
DROP POLICY tenant_scope_inserts ON chunks;
CREATE POLICY scoped_updates ON chunks AS RESTRICTIVE FOR UPDATE
USING (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND access && (SELECT kontext_principal_tokens()) AND classification <= (SELECT kontext_clearance()))
)
WITH CHECK (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND access && (SELECT kontext_principal_tokens()) AND classification <= (SELECT kontext_clearance())
        AND ((SELECT kontext_role()) = 'admin' OR allowed_groups <@ (SELECT kontext_groups())))
);
CREATE POLICY scoped_deletes ON chunks AS RESTRICTIVE FOR DELETE
USING (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND access && (SELECT kontext_principal_tokens()) AND classification <= (SELECT kontext_clearance()))
);
CREATE POLICY scoped_inserts ON chunks AS RESTRICTIVE FOR INSERT
WITH CHECK (
    (SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND access && (SELECT kontext_principal_tokens()) AND classification <= (SELECT kontext_clearance())
        AND ((SELECT kontext_role()) = 'admin' OR allowed_groups <@ (SELECT kontext_groups())))
);

-- The personal data index of a chunk the writer sees; erased subjects are
-- read by every ingest (to redact them) but written only in the tenant scope.
DROP POLICY tenant_isolation ON chunk_pii;
CREATE POLICY tenant_isolation ON chunk_pii
    USING (tenant = kontext_tenant() AND ((SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND EXISTS (SELECT 1 FROM chunks c WHERE c.id = chunk_pii.chunk_id))))
    WITH CHECK (tenant = kontext_tenant() AND ((SELECT kontext_tenant_scope()) OR ((SELECT kontext_write_scope())
        AND EXISTS (SELECT 1 FROM chunks c WHERE c.id = chunk_pii.chunk_id))));
CREATE POLICY writers_read ON erased_subjects FOR SELECT
    USING (tenant = kontext_tenant() AND (SELECT kontext_write_scope()));

-- Quarantine is left only by release.
CREATE FUNCTION kontext_quarantine_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'quarantined' AND NEW.status <> 'quarantined'
        AND NOT kontext_tenant_scope()
        AND NOT (coalesce(current_setting('kontext.action', true), '') = 'release'
                 AND kontext_role() IN ('reviewer', 'admin')) THEN
        RAISE EXCEPTION 'a quarantined document is released only by a reviewer or admin'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER documents_quarantine BEFORE UPDATE OF status ON documents
    FOR EACH ROW EXECUTE FUNCTION kontext_quarantine_guard();
CREATE TRIGGER chunks_quarantine BEFORE UPDATE OF status ON chunks
    FOR EACH ROW EXECUTE FUNCTION kontext_quarantine_guard();
