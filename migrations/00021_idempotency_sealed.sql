-- +goose Up
-- Idempotency records hold nothing a database reader can use (httpapi/idempotency
-- says how): key holds hex(sha256("sharehub idempotency key" 0x00 tenant 0x00 raw
-- key)), never the raw key; response_body holds nonce || AES-256-GCM ciphertext
-- under a key derived from the raw key, so only a caller presenting the raw key can
-- open it. seal_version names that format (1); a body without one is refused, so no
-- answer (a link token, a session token) is stored in the clear again.
ALTER TABLE idempotency_keys ADD COLUMN seal_version smallint;

-- Rows written before: their keys are hashed the same way, so a retry is still
-- recognised (and never runs twice); their plain answers and unkeyed request hashes
-- are dropped, so such a retry is refused instead of replayed.
UPDATE idempotency_keys
SET key = encode(sha256(convert_to('sharehub idempotency key', 'UTF8') || decode('00', 'hex')
        || convert_to(tenant_id::text, 'UTF8') || decode('00', 'hex') || convert_to(key, 'UTF8')), 'hex'),
    request_hash = '',
    response_body = NULL;

ALTER TABLE idempotency_keys
    ADD CONSTRAINT idempotency_keys_sealed_check CHECK (response_body IS NULL OR seal_version IS NOT NULL);

-- +goose Down
-- Local development only: the raw keys and plain answers are gone for good.
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_sealed_check,
    DROP COLUMN seal_version;
