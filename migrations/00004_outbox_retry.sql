-- +goose Up
-- Delivery bookkeeping for the mail outbox: when a failed mail may be tried again.
ALTER TABLE outbox_mail ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
DROP INDEX outbox_mail_pending_idx;
CREATE INDEX outbox_mail_pending_idx ON outbox_mail (next_attempt_at) WHERE sent_at IS NULL;

-- +goose Down
DROP INDEX outbox_mail_pending_idx;
ALTER TABLE outbox_mail DROP COLUMN next_attempt_at;
CREATE INDEX outbox_mail_pending_idx ON outbox_mail (created_at) WHERE sent_at IS NULL;
