
-- How each user hears of new content (issue 17; projections/notify_content_prefs.go),
-- part of the accounts read model. No row: immediate.
CREATE TABLE notification_preferences (
    user_id     uuid PRIMARY KEY,
    new_content text NOT NULL,
    set_at      timestamptz NOT NULL,
    version     bigint NOT NULL
);
