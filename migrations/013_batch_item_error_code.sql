-- 013_batch_item_error_code: a failed batch item records the stable code of
-- its error (provider_error, provider_timeout, unavailable, ...) beside the
-- plain message, as the synchronous API answers them; the chain of causes
-- stays in the worker's log.

ALTER TABLE batch_items ADD COLUMN error_code text;
