
-- Document requests (issue 17; projections/requests.go), part of the portal read model.
CREATE TABLE requests (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL,
    customer_id  uuid NOT NULL,
    folder_id    uuid NOT NULL,
    title        text NOT NULL,
    note         text NOT NULL,
    due_at       timestamptz,
    status       text NOT NULL,
    requested_by uuid NOT NULL,
    requested_at timestamptz NOT NULL,
    fulfilled_at timestamptz,
    cancelled_at timestamptz,
    documents    uuid[] NOT NULL DEFAULT '{}',
    version      bigint NOT NULL
);
CREATE INDEX requests_provider ON requests (provider_id, requested_at DESC, id DESC);
CREATE INDEX requests_customer ON requests (customer_id, requested_at DESC, id DESC);
