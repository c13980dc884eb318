-- 008_fast_principal_tokens: the caller's access tokens are computed by a
-- plain expression, and the access index has no pending list.
--
-- kontext_principal_tokens() built the group tokens with a sub-select over
-- unnest(), which keeps PostgreSQL from inlining the function: every
-- evaluation ran the SQL function executor, about 0.5 ms, and a search
-- evaluates it once per leg and policy. The same tokens come from joining
-- the groups with the prefix (a group name holds no comma, since the
-- setting is a comma-separated list), an expression that is inlined and
-- costs microseconds.
--
-- A GIN index with fastupdate collects new entries in a pending list that
-- every search scans until vacuum merges it; after a day of ingests that
-- was the larger part of a small tenant's search. The access column has a
-- handful of tokens per chunk, so inserting them into the index directly
-- costs ingest little.

CREATE OR REPLACE FUNCTION kontext_principal_tokens() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN kontext_tenant() IS NULL THEN NULL
        WHEN kontext_tenant_scope() THEN ARRAY[kontext_tenant() || '/#']
        ELSE ARRAY[kontext_tenant() || '/*']
            || CASE WHEN cardinality(kontext_groups()) = 0 THEN '{}'::text[]
                    ELSE string_to_array(kontext_tenant() || '/g:'
                        || array_to_string(kontext_groups(), ',' || kontext_tenant() || '/g:'), ',') END
            || CASE WHEN kontext_user() = '' THEN '{}'::text[] ELSE ARRAY[kontext_tenant() || '/u:' || kontext_user()] END
    END
$$;

ALTER INDEX chunks_access SET (fastupdate = off);
SELECT gin_clean_pending_list('chunks_access');
