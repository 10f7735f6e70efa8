-- +goose Up
-- One AES-256 key per company whose people appear in events (crypto-shredding).
-- Forgetting a company deletes its key material and keeps the row as the record that
-- it was forgotten; ciphertexts in the log then can never be read again.
CREATE TABLE subject_keys (
    subject_id   uuid PRIMARY KEY,
    key          bytea CHECK (key IS NULL OR octet_length(key) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    forgotten_at timestamptz,
    CHECK ((key IS NULL) = (forgotten_at IS NOT NULL))
);
GRANT SELECT, INSERT, UPDATE ON subject_keys TO sharehub_app;

-- +goose Down
DROP TABLE subject_keys;
