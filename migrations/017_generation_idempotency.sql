-- A generation may carry the key of the work it was made for (a batch item),
-- so that an attempt repeated after a crash finds the stored draft instead of
-- paying the provider a second time. The key is unique within a tenant.
ALTER TABLE generations ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX generations_idempotency ON generations (tenant, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
