-- 018_group_indexes: the catalogue of partial HNSW indexes built for one
-- access group of one tenant and one embedding model (`kontext index
-- groups`). A search whose caller belongs to such a group reads that
-- group's rows from its own small index instead of passing over the other
-- groups' rows in the model's shared index. The indexes themselves are
-- built and dropped by the owner at run time (CREATE INDEX CONCURRENTLY);
-- this table only says which exist. A group that holds more than the
-- builder's share of the model's chunks gets no index but a row with no
-- index name (dense): the shared index serves its members, and since
-- nearly every row there is theirs, at the narrower group search width.
-- The application role reads the rows of the declared tenant; only the
-- owner writes.
CREATE TABLE group_indexes (
    tenant          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    group_name      text NOT NULL,
    embedding_model text NOT NULL,
    index_name      text UNIQUE, -- NULL: dense, no index of its own
    rows_at_build   bigint NOT NULL CHECK (rows_at_build >= 0),
    built_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, embedding_model, group_name)
);

ALTER TABLE group_indexes ENABLE ROW LEVEL SECURITY;
ALTER TABLE group_indexes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON group_indexes FOR SELECT USING (tenant = kontext_tenant());
-- The owner builds and drops the indexes for every tenant, with no tenant
-- declared.
CREATE POLICY owner_writes ON group_indexes USING (
    (SELECT oid FROM pg_roles WHERE rolname = current_user) = (SELECT relowner FROM pg_class WHERE oid = 'group_indexes'::regclass));

DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT ON group_indexes TO %I', app);
END
$$;
