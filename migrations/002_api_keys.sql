-- 002_api_keys: API keys, each carrying the principal it authenticates:
-- tenant, user, groups, clearance and role. Only the SHA-256 of a key is
-- stored. A key row is visible to its tenant, or to a transaction that
-- presents the key's hash in kontext.key_hash (that is how a request is
-- authenticated before its tenant is known), and to nobody else.

CREATE TYPE api_role AS ENUM ('viewer', 'editor', 'reviewer', 'admin');

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant       text NOT NULL REFERENCES tenants (id),
    prefix       text NOT NULL UNIQUE,
    hash         bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    user_id      text NOT NULL CHECK (user_id <> ''),
    groups       text[] NOT NULL DEFAULT '{}',
    clearance    classification NOT NULL,
    role         api_role NOT NULL,
    name         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant, created_at);

CREATE FUNCTION kontext_key_hash() RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT decode(nullif(current_setting('kontext.key_hash', true), ''), 'hex') $$;

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());
CREATE POLICY key_holder ON api_keys FOR SELECT
    USING (hash = kontext_key_hash());
CREATE POLICY key_holder_touch ON api_keys FOR UPDATE
    USING (hash = kontext_key_hash()) WITH CHECK (hash = kontext_key_hash());

DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT, INSERT ON api_keys TO %I', app);
    EXECUTE format('GRANT UPDATE (revoked_at, last_used_at, name) ON api_keys TO %I', app);
END
$$;
