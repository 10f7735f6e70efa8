
-- The notifier's state for document requests (issue 17; projections/requests_notify.go):
-- which staff see which customer (to mail a fulfilment) and the requests with a due
-- date (to find those to remind).
CREATE TABLE staff_access (
    group_id uuid NOT NULL,
    user_id  uuid NOT NULL,
    access   text NOT NULL,
    version  bigint NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE TABLE customer_groups (customer_id uuid PRIMARY KEY, group_id uuid, version bigint NOT NULL);
CREATE TABLE requests (
    id          uuid PRIMARY KEY,
    provider_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    due_at      timestamptz NOT NULL,
    status      text NOT NULL,
    reminded    boolean NOT NULL DEFAULT false,
    version     bigint NOT NULL
);
CREATE INDEX requests_due ON requests (due_at) WHERE status = 'open' AND NOT reminded;
