
CREATE TABLE companies (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    via           text NOT NULL,
    registered_at timestamptz NOT NULL,
    version       bigint NOT NULL
);
CREATE INDEX companies_name ON companies (lower(name), id);

CREATE TABLE users (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL,
    name         text NOT NULL,
    email        text NOT NULL,
    role         text NOT NULL,
    can_share    boolean NOT NULL,
    auditor      boolean NOT NULL,
    status       text NOT NULL,
    invited_by   uuid,
    invited_at   timestamptz,
    activated_at timestamptz,
    version      bigint NOT NULL,
    -- staff of company_id, or a portal user of (portal_provider_id,
    -- portal_customer_id) whose company_id is the customer's company.
    kind               text NOT NULL DEFAULT 'staff',
    portal_provider_id uuid,
    portal_customer_id uuid,
    -- While invited: when the (newest) invitation stops working. The read side
    -- shows an invited user past it as expired (at the request's clock).
    invitation_expires_at timestamptz
);
CREATE INDEX users_company ON users (company_id, lower(name), id);
CREATE INDEX users_portal_customer ON users (portal_customer_id, lower(name), id) WHERE kind = 'portal';

CREATE TABLE groups (
    id          uuid PRIMARY KEY,
    provider_id uuid NOT NULL,
    name        text NOT NULL,
    code        text NOT NULL,
    created_at  timestamptz NOT NULL,
    version     bigint NOT NULL,
    self_registration boolean NOT NULL DEFAULT true
);
CREATE INDEX groups_provider ON groups (provider_id, lower(name), id);

-- Owned by the group's stream: changed only while the group row's version is
-- older than the event, then the group's version moves on.
CREATE TABLE group_members (
    group_id   uuid NOT NULL,
    user_id    uuid NOT NULL,
    access     text NOT NULL,
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);
