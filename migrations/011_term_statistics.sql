-- 011_term_statistics: postings and BM25 term statistics, kept exact by
-- triggers on chunks in the transaction that writes them.
--
-- Every active chunk has postings (lexeme, term frequency, chunk length)
-- of its heading path and text under its language's text search configuration (german, english) and,
-- for exact matches of names, SKUs and numbers, under 'simple'. Lexemes
-- come from PostgreSQL's own to_tsvector, so ingest and query analyse text
-- the same way.
--
-- Statistics are kept per access class: the chunks that share tenant,
-- access tokens, classification and validity window. A search sums the
-- statistics of the classes its principal may see (row-level security on
-- term_classes, the same rule as on chunks), so document frequency, chunk
-- count and average length are those of the chunks the caller can see:
-- a chunk hidden from the caller counts in the stored statistics but in no
-- score the caller gets. Quarantined chunks have no postings.
--
-- The triggers are the only writers (SECURITY DEFINER, owned by the
-- migrator; the application role may only read), so every path that
-- writes chunks -- ingest, re-ingest, attribute changes, erasure, deletion,
-- retention, quarantine and release -- keeps the statistics exact without
-- code of its own. They take the tenant's audit lock ('kontext.audit:'),
-- which every writing transaction takes anyway, so concurrent writers of a
-- tenant update the shared counts one after the other and cannot deadlock
-- on them.

CREATE FUNCTION kontext_text_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE language WHEN 'de' THEN 'german'::regconfig WHEN 'en' THEN 'english'::regconfig
                         ELSE 'simple'::regconfig END
$$;

-- kontext_postings returns a text's postings under its language's
-- configuration and under 'simple': lexeme, term frequency, and the
-- text's length (tokens kept) in that configuration.
CREATE FUNCTION kontext_postings(language text, body text)
RETURNS TABLE (cfg text, lexeme text, tf integer, len integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH v AS (
        SELECT c.cfg, t.lexeme, cardinality(t.positions) AS tf
        FROM (SELECT DISTINCT x AS cfg FROM unnest(ARRAY[kontext_text_config(language)::text, 'simple']) x) c,
             unnest(to_tsvector(c.cfg::regconfig, body)) t
    )
    SELECT cfg, lexeme, tf, (sum(tf) OVER (PARTITION BY cfg))::integer FROM v
$$;

CREATE TABLE term_classes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant         text NOT NULL REFERENCES tenants (id),
    access         text[] NOT NULL,
    classification classification NOT NULL,
    valid_from     timestamptz,
    valid_until    timestamptz,
    UNIQUE NULLS NOT DISTINCT (tenant, access, classification, valid_from, valid_until)
);

-- class_stats: chunks and total length per access class and configuration.
CREATE TABLE class_stats (
    class_id bigint NOT NULL REFERENCES term_classes (id),
    tenant   text NOT NULL,
    cfg      text NOT NULL,
    chunks   integer NOT NULL CHECK (chunks >= 0),
    length   bigint NOT NULL CHECK (length >= 0),
    PRIMARY KEY (class_id, cfg)
);

-- term_stats: document (chunk) frequency per lexeme and access class.
CREATE TABLE term_stats (
    tenant   text NOT NULL,
    cfg      text NOT NULL,
    lexeme   text NOT NULL,
    class_id bigint NOT NULL REFERENCES term_classes (id),
    df       integer NOT NULL CHECK (df > 0),
    PRIMARY KEY (tenant, cfg, lexeme, class_id)
);

-- chunk_terms: the postings. len repeats the chunk's length in cfg so
-- that scoring reads one table.
CREATE TABLE chunk_terms (
    tenant   text NOT NULL,
    cfg      text NOT NULL,
    lexeme   text NOT NULL,
    chunk_id bigint NOT NULL,
    class_id bigint NOT NULL REFERENCES term_classes (id),
    tf       integer NOT NULL CHECK (tf > 0),
    len      integer NOT NULL CHECK (len > 0),
    PRIMARY KEY (tenant, cfg, lexeme, chunk_id)
);
CREATE INDEX chunk_terms_chunk ON chunk_terms (chunk_id);

-- Row-level security: a transaction reads the classes its principal may
-- see (the rule of chunks' acl_visibility; status is implied, only active
-- chunks are counted) and the statistics and postings of those classes.
-- Not forced: the owner's trigger functions maintain every class.
ALTER TABLE term_classes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON term_classes USING (tenant = kontext_tenant());
CREATE POLICY acl_visibility ON term_classes AS RESTRICTIVE FOR SELECT USING (
    access && (SELECT kontext_principal_tokens())
    AND ((SELECT kontext_tenant_scope()) OR (
        classification <= (SELECT kontext_clearance())
        AND (valid_from IS NULL OR valid_from <= now())
        AND (valid_until IS NULL OR valid_until > now())
    ))
);

-- kontext_visible_classes returns the ids of the access classes the
-- transaction's principal may see (through the policies above).
-- PL/pgSQL rather than SQL: its plan is cached for the session, where a
-- SQL function's would be planned again on every call.
CREATE FUNCTION kontext_visible_classes() RETURNS bigint[]
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(id), '{}') FROM term_classes WHERE tenant = kontext_tenant());
END
$$;

ALTER TABLE class_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY visible_classes ON class_stats FOR SELECT
    USING (tenant = kontext_tenant() AND class_id = ANY ((SELECT kontext_visible_classes())::bigint[]));
ALTER TABLE term_stats ENABLE ROW LEVEL SECURITY;
CREATE POLICY visible_classes ON term_stats FOR SELECT
    USING (tenant = kontext_tenant() AND class_id = ANY ((SELECT kontext_visible_classes())::bigint[]));
ALTER TABLE chunk_terms ENABLE ROW LEVEL SECURITY;
CREATE POLICY visible_classes ON chunk_terms FOR SELECT
    USING (tenant = kontext_tenant() AND class_id = ANY ((SELECT kontext_visible_classes())::bigint[]));

-- kontext_terms_lock takes the audit lock of each tenant, in order.
CREATE FUNCTION kontext_terms_lock(tenants text[]) RETURNS void
LANGUAGE sql AS $$
    SELECT count(pg_advisory_xact_lock(hashtextextended('kontext.audit:' || t, 0)))
    FROM (SELECT DISTINCT t FROM unnest(tenants) t ORDER BY t) x
$$;

-- kontext_terms_add indexes chunks given as a JSON array of
-- {id, tenant, language, text, access, classification, valid_from, valid_until}.
CREATE FUNCTION kontext_terms_add(rows jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF rows IS NULL OR jsonb_array_length(rows) = 0 THEN
        RETURN;
    END IF;
    PERFORM kontext_terms_lock(ARRAY(SELECT DISTINCT r->>'tenant' FROM jsonb_array_elements(rows) r));
    INSERT INTO term_classes (tenant, access, classification, valid_from, valid_until)
        SELECT DISTINCT tenant, access, classification, valid_from, valid_until
        FROM jsonb_to_recordset(rows) AS n (tenant text, access text[], classification classification,
                                            valid_from timestamptz, valid_until timestamptz)
        ON CONFLICT DO NOTHING;
    WITH r AS MATERIALIZED (
        SELECT n.id, n.tenant, k.id AS class_id, p.cfg, p.lexeme, p.tf, p.len
        FROM jsonb_to_recordset(rows) AS n (id bigint, tenant text, language text, text text, access text[],
                                            classification classification, valid_from timestamptz, valid_until timestamptz)
        JOIN term_classes k ON k.tenant = n.tenant AND k.access = n.access AND k.classification = n.classification
             AND k.valid_from IS NOT DISTINCT FROM n.valid_from AND k.valid_until IS NOT DISTINCT FROM n.valid_until,
             kontext_postings(n.language, n.text) p
    ), ins AS (
        INSERT INTO chunk_terms (tenant, cfg, lexeme, chunk_id, class_id, tf, len)
        SELECT tenant, cfg, lexeme, id, class_id, tf, len FROM r
    ), df AS (
        INSERT INTO term_stats (tenant, cfg, lexeme, class_id, df)
        SELECT tenant, cfg, lexeme, class_id, count(*) FROM r GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (tenant, cfg, lexeme, class_id) DO UPDATE SET df = term_stats.df + excluded.df
    )
    INSERT INTO class_stats (class_id, tenant, cfg, chunks, length)
    SELECT class_id, tenant, cfg, count(*), sum(len)
    FROM (SELECT DISTINCT id, class_id, tenant, cfg, len FROM r) c GROUP BY 1, 2, 3 ORDER BY 1, 3
    ON CONFLICT (class_id, cfg) DO UPDATE
        SET chunks = class_stats.chunks + excluded.chunks, length = class_stats.length + excluded.length;
END
$$;

-- kontext_terms_remove drops the postings of chunks and subtracts them
-- from the statistics: exactly what was added, read back from chunk_terms.
CREATE FUNCTION kontext_terms_remove(ids bigint[], tenants text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM kontext_terms_lock(tenants);
    WITH d AS MATERIALIZED (
        DELETE FROM chunk_terms WHERE chunk_id = ANY (ids)
        RETURNING tenant, cfg, lexeme, chunk_id, class_id, len
    ), g AS (
        SELECT tenant, cfg, lexeme, class_id, count(*) AS n FROM d GROUP BY 1, 2, 3, 4
    ), dec AS (
        UPDATE term_stats s SET df = s.df - g.n FROM g
        WHERE s.tenant = g.tenant AND s.cfg = g.cfg AND s.lexeme = g.lexeme AND s.class_id = g.class_id AND s.df > g.n
    ), del AS (
        DELETE FROM term_stats s USING g
        WHERE s.tenant = g.tenant AND s.cfg = g.cfg AND s.lexeme = g.lexeme AND s.class_id = g.class_id AND s.df <= g.n
    )
    UPDATE class_stats s SET chunks = s.chunks - c.n, length = s.length - c.len
    FROM (SELECT class_id, cfg, count(*) AS n, sum(len) AS len
          FROM (SELECT DISTINCT chunk_id, class_id, cfg, len FROM d) x GROUP BY 1, 2) c
    WHERE s.class_id = c.class_id AND s.cfg = c.cfg;
    DELETE FROM class_stats WHERE chunks = 0;
END
$$;

CREATE FUNCTION kontext_chunks_terms() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM kontext_terms_add((SELECT jsonb_agg(jsonb_build_object('id', n.id, 'tenant', n.tenant,
                'language', n.language, 'text', n.heading_path || E'\n' || n.text, 'access', n.access, 'classification', n.classification,
                'valid_from', n.valid_from, 'valid_until', n.valid_until))
            FROM new_rows n WHERE n.status = 'active'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM kontext_terms_remove(array_agg(o.id), array_agg(DISTINCT o.tenant))
        FROM old_rows o WHERE o.status = 'active';
    ELSE
        -- Only changes that move a chunk's postings or its class.
        PERFORM kontext_terms_remove(array_agg(o.id), array_agg(DISTINCT o.tenant))
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE o.status = 'active' AND (o.heading_path, o.text, o.language, o.status, o.access, o.classification, o.valid_from, o.valid_until)
            IS DISTINCT FROM (n.heading_path, n.text, n.language, n.status, n.access, n.classification, n.valid_from, n.valid_until);
        PERFORM kontext_terms_add((SELECT jsonb_agg(jsonb_build_object('id', n.id, 'tenant', n.tenant,
                'language', n.language, 'text', n.heading_path || E'\n' || n.text, 'access', n.access, 'classification', n.classification,
                'valid_from', n.valid_from, 'valid_until', n.valid_until))
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE n.status = 'active' AND (o.heading_path, o.text, o.language, o.status, o.access, o.classification, o.valid_from, o.valid_until)
                IS DISTINCT FROM (n.heading_path, n.text, n.language, n.status, n.access, n.classification, n.valid_from, n.valid_until)));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER chunks_terms_insert AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kontext_chunks_terms();
CREATE TRIGGER chunks_terms_delete AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kontext_chunks_terms();
CREATE TRIGGER chunks_terms_update AFTER UPDATE ON chunks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kontext_chunks_terms();

-- Chunks written before this migration, tenant by tenant (row-level
-- security shows the migrator one tenant's rows at a time).
DO $$
DECLARE
    t text;
BEGIN
    PERFORM set_config('kontext.list_tenants', 'on', true);
    FOR t IN SELECT id FROM tenants ORDER BY id LOOP
        PERFORM set_config('kontext.tenant', t, true), set_config('kontext.scope', 'tenant', true);
        PERFORM kontext_terms_add((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'tenant', c.tenant,
                'language', c.language, 'text', c.heading_path || E'\n' || c.text, 'access', c.access, 'classification', c.classification,
                'valid_from', c.valid_from, 'valid_until', c.valid_until))
            FROM chunks c WHERE c.tenant = t AND c.status = 'active'));
    END LOOP;
    PERFORM set_config('kontext.list_tenants', '', true), set_config('kontext.tenant', '', true),
            set_config('kontext.scope', '', true);
END
$$;

-- The trigger functions run as the owner: their search path is this
-- schema, with pg_temp last so that no temporary table can stand in.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION kontext_terms_add(jsonb) SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION kontext_terms_remove(bigint[], text[]) SET search_path = %I, pg_temp', current_schema());
END
$$;

DO $$
DECLARE
    app text := nullif(current_setting('kontext.app_role', true), '');
BEGIN
    IF app IS NULL OR app = current_user THEN
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT ON term_classes, class_stats, term_stats, chunk_terms TO %I', app);
END
$$;
