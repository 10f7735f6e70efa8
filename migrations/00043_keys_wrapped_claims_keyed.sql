-- +goose Up
-- Company keys are stored wrapped by a key-encryption key that lives outside the
-- database (KEY_ENCRYPTION_KEY): nonce || AES-256-GCM(key) = 60 bytes. Keys written
-- before are 32 plain bytes until `serve` (or `sharehub migrate`) wraps them, right
-- after the migrations, as the owner.
ALTER TABLE subject_keys DROP CONSTRAINT subject_keys_key_check;
ALTER TABLE subject_keys ADD CONSTRAINT subject_keys_key_size CHECK (key IS NULL OR octet_length(key) IN (32, 60));
-- The application creates keys and reads them; only `company forget` (the owner)
-- deletes one, and only the owner wraps them.
REVOKE UPDATE ON subject_keys FROM sharehub_app;

-- Claims are stored as "h1:" || hex(HMAC-SHA256(key derived from the
-- key-encryption key, scope 0x00 value)): a guessed e-mail address cannot be
-- confirmed from a copy of the table. Claims stored before hold sha256(scope 0x00
-- value) in hex: `serve`/`migrate` key in place those whose value the database
-- holds in plain elsewhere (logins' addresses, group codes: eventstore.UpgradeClaims);
-- the others stay, and every new claim is checked against both forms: a value
-- claimed before is still taken.
-- +goose StatementBegin
CREATE FUNCTION claims_insert_keyed(p_scope text, p_keyed text, p_legacy text, p_owner uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM claims WHERE scope = p_scope AND value = p_legacy) THEN
        RAISE unique_violation USING
            MESSAGE = 'duplicate key value violates unique constraint "claims_pkey"',
            DETAIL = format('Key (scope, value)=(%s, %s) already exists.', p_scope, p_keyed),
            CONSTRAINT = 'claims_pkey', TABLE = 'claims';
    END IF;
    INSERT INTO claims (scope, value, owner_id) VALUES (p_scope, p_keyed, p_owner);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION claims_insert_keyed(text, text, text, uuid);
GRANT UPDATE ON subject_keys TO sharehub_app;
ALTER TABLE subject_keys DROP CONSTRAINT subject_keys_key_size;
ALTER TABLE subject_keys ADD CONSTRAINT subject_keys_key_check CHECK (key IS NULL OR octet_length(key) = 32);
