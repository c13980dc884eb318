-- 006_batch: batches of generate requests worked by River jobs.
--
-- A batch row and one item row per request are written in the transaction
-- that inserts the River jobs (one per item), so a submit is all or nothing.
-- River's own tables live in the schema river; `kontext migrate` applies
-- River's migrations there after this file.
--
-- The principal a batch runs as is stored with it: workers generate as the
-- submitter, with the submitter's groups and clearance. clearance also
-- guards reading: the results may quote sources up to that level.

CREATE SCHEMA IF NOT EXISTS river;

CREATE TABLE batches (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    submitted_by    text NOT NULL,
    principal       jsonb NOT NULL,
    clearance       classification NOT NULL,
    idempotency_key text NOT NULL,
    items           integer NOT NULL CHECK (items > 0),
    budget_eur      numeric(14, 6) CHECK (budget_eur > 0),
    budget_tokens   bigint CHECK (budget_tokens > 0),
    spent_eur       numeric(14, 6) NOT NULL DEFAULT 0,
    spent_tokens    bigint NOT NULL DEFAULT 0,
    -- running until every item has an outcome; cancelled and
    -- budget_exhausted stop the items not yet started.
    state           text NOT NULL DEFAULT 'running'
                    CHECK (state IN ('running', 'done', 'cancelled', 'budget_exhausted')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    stopped_at      timestamptz,
    finished_at     timestamptz,
    UNIQUE (tenant, idempotency_key)
);
CREATE INDEX batches_recent ON batches (tenant, created_at DESC);

CREATE TABLE batch_items (
    batch_id      uuid NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    n             integer NOT NULL CHECK (n > 0),
    tenant        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    request       jsonb NOT NULL,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'running', 'approved', 'needs_review', 'blocked',
                                   'failed', 'skipped_budget', 'cancelled')),
    job_id        bigint,
    attempts      integer NOT NULL DEFAULT 0,
    generation_id uuid,
    result        jsonb,
    error         text,
    cost_eur      numeric(14, 6) NOT NULL DEFAULT 0,
    tokens        bigint NOT NULL DEFAULT 0,
    started_at    timestamptz,
    finished_at   timestamptz,
    PRIMARY KEY (batch_id, n)
);
-- Fair scheduling counts a tenant's unfinished items; a batch is done when
-- none of its items is.
CREATE INDEX batch_items_open_tenant ON batch_items (tenant) WHERE state IN ('pending', 'running');
CREATE INDEX batch_items_open_batch ON batch_items (batch_id) WHERE state IN ('pending', 'running');

ALTER TABLE batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE batches FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON batches
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());
CREATE POLICY clearance ON batches AS RESTRICTIVE FOR SELECT
    USING (kontext_tenant_scope() OR clearance <= kontext_clearance());

ALTER TABLE batch_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE batch_items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON batch_items
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());
-- An item is visible with its batch only.
CREATE POLICY clearance ON batch_items AS RESTRICTIVE FOR SELECT
    USING (EXISTS (SELECT 1 FROM batches b WHERE b.id = batch_id));

DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON batches, batch_items TO %I', app);
    EXECUTE format('GRANT USAGE ON SCHEMA river TO %I', app);
END
$$;
