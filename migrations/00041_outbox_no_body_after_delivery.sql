-- +goose Up
-- A mail's body may hold a secret (an invitation URL with its token). It is kept only
-- as long as its delivery needs it: cleared when the mail is delivered, and when its
-- delivery is abandoned (a permanent refusal, too many attempts, or older than what
-- it announces stays valid). The database itself refuses a delivered or abandoned
-- mail with a body.
ALTER TABLE outbox_mail ADD COLUMN abandoned_at timestamptz;
UPDATE outbox_mail SET body = '' WHERE sent_at IS NOT NULL;
ALTER TABLE outbox_mail ADD CONSTRAINT outbox_mail_no_body_after_delivery
    CHECK ((sent_at IS NULL AND abandoned_at IS NULL) OR body = '');
DROP INDEX outbox_mail_pending_idx;
CREATE INDEX outbox_mail_pending_idx ON outbox_mail (next_attempt_at) WHERE sent_at IS NULL AND abandoned_at IS NULL;

-- The body can only ever be cleared, never rewritten (a mail queued with its event is
-- what gets sent); recipient, subject and template never change.
-- +goose StatementBegin
CREATE FUNCTION outbox_mail_body_only_cleared() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body IS DISTINCT FROM OLD.body AND NEW.body <> '' THEN
        RAISE EXCEPTION 'outbox_mail: a body can only be cleared' USING ERRCODE = 'SH403';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER outbox_mail_body_only_cleared BEFORE UPDATE OF body ON outbox_mail
    FOR EACH ROW EXECUTE FUNCTION outbox_mail_body_only_cleared();

-- The application updates delivery bookkeeping and clears bodies: nothing else.
REVOKE UPDATE ON outbox_mail FROM sharehub_app;
GRANT UPDATE (body, sent_at, abandoned_at, attempts, last_error, next_attempt_at) ON outbox_mail TO sharehub_app;

-- +goose Down
REVOKE UPDATE ON outbox_mail FROM sharehub_app;
GRANT UPDATE ON outbox_mail TO sharehub_app;
DROP TRIGGER outbox_mail_body_only_cleared ON outbox_mail;
DROP FUNCTION outbox_mail_body_only_cleared();
DROP INDEX outbox_mail_pending_idx;
CREATE INDEX outbox_mail_pending_idx ON outbox_mail (next_attempt_at) WHERE sent_at IS NULL;
ALTER TABLE outbox_mail DROP CONSTRAINT outbox_mail_no_body_after_delivery, DROP COLUMN abandoned_at;
