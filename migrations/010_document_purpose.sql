-- 010_document_purpose: what a document is for, and which kinds of personal
-- data each chunk holds, on the chunk itself, so that a search returns both
-- with every result.
--
-- purpose says how generation may use a document:
--   reference       facts to cite (product sheets, FAQs, press releases); the default
--   guideline       instructions to the writer (a brand guide): they shape the
--                   prompt's writing rules and are never cited or copied
--   correspondence  personal communication (support mail, CRM notes): never
--                   material for an outbound text unless a person decides so
-- Chunks mirror their document's purpose as they mirror its classification.
--
-- pii_types lists the kinds of personal data found in a chunk at ingest
-- (the types of its chunk_pii rows). chunk_pii is readable in tenant scope
-- only; the copy on the chunk lets a reader's search tell that a chunk names
-- a person without revealing who.

CREATE TYPE document_purpose AS ENUM ('reference', 'guideline', 'correspondence');

ALTER TABLE documents ADD COLUMN purpose document_purpose NOT NULL DEFAULT 'reference';
ALTER TABLE chunks ADD COLUMN purpose document_purpose NOT NULL DEFAULT 'reference';
ALTER TABLE chunks ADD COLUMN pii_types text[] NOT NULL DEFAULT '{}';

-- Existing chunks get their types from chunk_pii. Row-level security is
-- forced on both tables, also for their owner who runs this migration, and
-- its policies need a tenant; lifting FORCE for the duration of this
-- transaction lets the owner fill every tenant's rows at once.
ALTER TABLE chunks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE chunk_pii NO FORCE ROW LEVEL SECURITY;
UPDATE chunks c SET pii_types = p.types
FROM (SELECT chunk_id, array_agg(DISTINCT type ORDER BY type) AS types FROM chunk_pii GROUP BY chunk_id) p
WHERE p.chunk_id = c.id;
ALTER TABLE chunks FORCE ROW LEVEL SECURITY;
ALTER TABLE chunk_pii FORCE ROW LEVEL SECURITY;
