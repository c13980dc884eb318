-- 005_generate: generated drafts, their reviews and the result cache.
--
-- A generation row holds everything of a result except personal data: the
-- brief and the draft are stored as sent to and received from the model,
-- with placeholders in place of personal data. classification is the
-- highest classification among the draft's sources; a principal cleared
-- below it cannot read the draft (the draft may quote those sources).

CREATE TABLE generations (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant            text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor             text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    channel           text NOT NULL,
    lang              text NOT NULL,
    classification    classification NOT NULL DEFAULT 'public',
    brief             text NOT NULL,
    draft             text NOT NULL,
    decision          text NOT NULL CHECK (decision IN ('approved', 'needs_review', 'blocked')),
    result            jsonb NOT NULL,
    provider          text NOT NULL,
    model             text NOT NULL,
    template          text NOT NULL,
    prompt_tokens     integer NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens integer NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    cost_eur          numeric(14, 6) NOT NULL DEFAULT 0 CHECK (cost_eur >= 0),
    cache_key         bytea NOT NULL,
    input_sha256      bytea NOT NULL,
    output_sha256     bytea NOT NULL
);
CREATE INDEX generations_cache ON generations (tenant, cache_key, created_at DESC);
CREATE INDEX generations_usage ON generations (tenant, created_at);

-- reviews holds the human decision on drafts that need one. Blocked drafts
-- never get a review row: they cannot be approved.
CREATE TABLE reviews (
    generation_id uuid PRIMARY KEY REFERENCES generations (id) ON DELETE CASCADE,
    tenant        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz,
    reviewer      text,
    comment       text,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX reviews_pending ON reviews (tenant, created_at) WHERE status = 'pending';

ALTER TABLE generations ENABLE ROW LEVEL SECURITY;
ALTER TABLE generations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON generations
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());
CREATE POLICY clearance ON generations AS RESTRICTIVE FOR SELECT
    USING (kontext_tenant_scope() OR classification <= kontext_clearance());

ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reviews
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());
-- A review is visible with its generation only.
CREATE POLICY clearance ON reviews AS RESTRICTIVE FOR SELECT
    USING (EXISTS (SELECT 1 FROM generations g WHERE g.id = generation_id));

DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT, INSERT ON generations TO %I', app);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON reviews TO %I', app);
END
$$;
