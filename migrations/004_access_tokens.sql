-- 004_access_tokens: one indexable access column on chunks, used by the
-- row-level security policy itself.
--
-- "tenant-wide OR groups overlap OR user listed" cannot use an index as an
-- OR of three tests, and under row-level security the planner may not push
-- an application's non-leakproof predicate (such as array overlap) into an
-- index scan ahead of the policy. So the rule becomes one array overlap in
-- the policy: each chunk carries the tokens "<tenant>/#" (every chunk),
-- "<tenant>/*" (tenant-wide), "<tenant>/g:<group>" and "<tenant>/u:<user>";
-- a transaction presents its principal's tokens, or "<tenant>/#" in tenant
-- scope; a GIN index answers "access && tokens". Tenant, group and user
-- names cannot contain '/' or ':', so tokens are unambiguous.

CREATE FUNCTION kontext_access_tokens(tenant text, groups text[], users text[], tenant_wide boolean)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY[tenant || '/#']
        || (CASE WHEN tenant_wide THEN ARRAY[tenant || '/*'] ELSE '{}'::text[] END)
        || coalesce((SELECT array_agg(tenant || '/g:' || g) FROM unnest(groups) g), '{}'::text[])
        || coalesce((SELECT array_agg(tenant || '/u:' || u) FROM unnest(users) u), '{}'::text[])
$$;

-- kontext_principal_tokens returns the tokens of the transaction's
-- principal; NULL (matching nothing) when no tenant is declared.
CREATE FUNCTION kontext_principal_tokens() RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN kontext_tenant() IS NULL THEN NULL
        WHEN kontext_tenant_scope() THEN ARRAY[kontext_tenant() || '/#']
        ELSE ARRAY[kontext_tenant() || '/*']
            || coalesce((SELECT array_agg(kontext_tenant() || '/g:' || g) FROM unnest(kontext_groups()) g), '{}'::text[])
            || CASE WHEN kontext_user() = '' THEN '{}'::text[] ELSE ARRAY[kontext_tenant() || '/u:' || kontext_user()] END
    END
$$;

ALTER TABLE chunks ADD COLUMN access text[]
    GENERATED ALWAYS AS (kontext_access_tokens(tenant, allowed_groups, allowed_users, tenant_wide)) STORED;
CREATE INDEX chunks_access ON chunks USING gin (access);
DROP INDEX chunks_allowed_groups;

DROP POLICY acl_visibility ON chunks;
CREATE POLICY acl_visibility ON chunks AS RESTRICTIVE FOR SELECT USING (
    access && kontext_principal_tokens()
    AND (kontext_tenant_scope() OR (
        classification <= kontext_clearance()
        AND status = 'active'
        AND (valid_from IS NULL OR valid_from <= now())
        AND (valid_until IS NULL OR valid_until > now())
    ))
);
