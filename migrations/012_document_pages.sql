-- 012_document_pages: where in a PDF a chunk is, and what a document says
-- about itself.
--
-- chunks.page and chunks.last_page are the pages of a PDF a chunk starts and
-- ends on, so that a citation can say "p. 3"; NULL for formats without pages
-- (Word paginates only when it renders, so a DOCX citation names its
-- section, the heading path).
--
-- documents.pages is a PDF's page count; source_created_at and
-- source_modified_at are the dates the file itself records (PDF document
-- information, DOCX core properties), not when Kontext stored it.
-- The author a file names is personal data: only its keyed hash is kept
-- (HMAC-SHA256 under the server secret, type PERSON, as chunk_pii keys
-- names), so that erasure of a data subject finds and clears it and nothing
-- readable about the author is stored.

ALTER TABLE chunks ADD COLUMN page integer CHECK (page > 0),
                   ADD COLUMN last_page integer CHECK (last_page >= page);

ALTER TABLE documents ADD COLUMN pages integer CHECK (pages > 0),
                      ADD COLUMN author_hash bytea,
                      ADD COLUMN source_created_at timestamptz,
                      ADD COLUMN source_modified_at timestamptz;
