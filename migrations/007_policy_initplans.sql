-- 007_policy_initplans: the access policies read the transaction's
-- principal once per statement instead of once per row.
--
-- A STABLE function in a policy is evaluated for every row it filters;
-- kontext_principal_tokens() builds an array from the session settings,
-- which cost about as much as reading the row. Written as a scalar
-- subquery, each becomes an InitPlan: computed once, then compared per row
-- as a constant (and usable in the GIN index condition).
--
-- chunks_tenant_model goes: the access tokens carry the tenant, so the GIN
-- index on access already confines a search to one tenant, and the planner
-- combined the two indexes at a cost larger than the scan itself.

DROP POLICY acl_visibility ON chunks;
CREATE POLICY acl_visibility ON chunks AS RESTRICTIVE FOR SELECT USING (
    access && (SELECT kontext_principal_tokens())
    AND ((SELECT kontext_tenant_scope()) OR (
        classification <= (SELECT kontext_clearance())
        AND status = 'active'
        AND (valid_from IS NULL OR valid_from <= now())
        AND (valid_until IS NULL OR valid_until > now())
    ))
);

DROP POLICY acl_visibility ON documents;
CREATE POLICY acl_visibility ON documents AS RESTRICTIVE FOR SELECT USING (
    (SELECT kontext_tenant_scope()) OR (
        (tenant_wide OR allowed_groups && (SELECT kontext_groups()) OR (SELECT kontext_user()) = ANY (allowed_users))
        AND classification <= (SELECT kontext_clearance())
        AND status = 'active'
        AND (valid_from IS NULL OR valid_from <= now())
        AND (valid_until IS NULL OR valid_until > now())
    )
);

DROP INDEX chunks_tenant_model;
