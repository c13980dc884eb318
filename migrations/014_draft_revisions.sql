-- 014_draft_revisions: an editor's edit of a draft is stored as a new
-- revision beside the generated text, which stays in generations.draft as
-- revision 0. Every revision is kept; none is overwritten. Like the
-- generated draft, a revision's text is stored with placeholders in place
-- of personal data, and with the checks it was given (decision, reasons,
-- sentences) and the SHA-256 of its text. A review approves one revision,
-- named in approved_revision.

CREATE TABLE draft_revisions (
    generation_id uuid NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    tenant        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    revision      integer NOT NULL CHECK (revision > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    author        text NOT NULL,
    base          integer NOT NULL CHECK (base >= 0 AND base < revision),
    draft         text NOT NULL,
    decision      text NOT NULL CHECK (decision IN ('approved', 'needs_review', 'blocked')),
    result        jsonb NOT NULL,
    sha256        bytea NOT NULL,
    PRIMARY KEY (generation_id, revision)
);

ALTER TABLE reviews ADD COLUMN approved_revision integer CHECK (approved_revision >= 0);

-- The same visibility as the generation: the tenant's rows only, and a
-- revision is visible with its generation only (whose clearance policy
-- hides drafts above the caller's clearance).
ALTER TABLE draft_revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE draft_revisions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON draft_revisions
    USING (tenant = kontext_tenant()) WITH CHECK (tenant = kontext_tenant());
CREATE POLICY clearance ON draft_revisions AS RESTRICTIVE FOR SELECT
    USING (EXISTS (SELECT 1 FROM generations g WHERE g.id = generation_id));

DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    -- Revisions are appended, never changed or deleted by the application.
    EXECUTE format('GRANT SELECT, INSERT ON draft_revisions TO %I', app);
END
$$;
