
CREATE TABLE companies (
    id                        uuid PRIMARY KEY,
    name                      text NOT NULL,
    documents_enabled_default boolean NOT NULL DEFAULT true,
    registered_at             timestamptz NOT NULL,
    version                   bigint NOT NULL
);

CREATE TABLE customers (
    id                  uuid PRIMARY KEY,
    provider_id         uuid NOT NULL,
    company_id          uuid NOT NULL,
    company_name        text NOT NULL,
    status              text NOT NULL,
    via                 text NOT NULL,
    group_id            uuid,
    workspace_folder_id uuid NOT NULL,
    master_access       boolean NOT NULL DEFAULT false,
    documents_enabled   boolean,
    contact_name        text,
    contact_email       text,
    created_at          timestamptz NOT NULL,
    status_changed_at   timestamptz NOT NULL,
    revoke_reason       text,
    version             bigint NOT NULL,
    -- While invited: when the (newest) invitation stops working.
    invitation_expires_at timestamptz,
    -- Issue 17: since when master access is on (NULL: off).
    master_access_at    timestamptz
);
CREATE INDEX customers_provider ON customers (provider_id, lower(company_name), id);
CREATE INDEX customers_company ON customers (company_id);

CREATE TABLE folders (
    id                     uuid PRIMARY KEY,
    provider_id            uuid NOT NULL,
    parent_id              uuid,
    name                   text NOT NULL,
    workspace_customer_id  uuid,
    created_by_customer_id uuid,
    created_at             timestamptz NOT NULL,
    version                bigint NOT NULL
);
CREATE INDEX folders_parent ON folders (parent_id);
CREATE INDEX folders_provider ON folders (provider_id);

CREATE TABLE documents (
    id                      uuid PRIMARY KEY,
    provider_id             uuid NOT NULL,
    folder_id               uuid NOT NULL,
    name                    text NOT NULL,
    workspace_customer_id   uuid,
    uploaded_by_customer_id uuid,
    versions                integer NOT NULL,
    removed                 boolean NOT NULL DEFAULT false,
    removed_at              timestamptz,
    added_at                timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX documents_folder ON documents (folder_id);
CREATE INDEX documents_provider_name ON documents (provider_id, lower(name), id);

CREATE TABLE versions (
    document_id             uuid NOT NULL,
    number                  integer NOT NULL,
    sha256                  text NOT NULL,
    size                    bigint NOT NULL,
    media_type              text NOT NULL,
    hidden                  boolean NOT NULL,
    uploaded_by_customer_id uuid,
    added_at                timestamptz NOT NULL,
    version                 bigint NOT NULL,
    PRIMARY KEY (document_id, number)
);

CREATE TABLE shares (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL,
    customer_id  uuid NOT NULL,
    document_id  uuid,
    folder_id    uuid,
    permission   text NOT NULL,
    granted_by   uuid NOT NULL,
    granted_at   timestamptz NOT NULL,
    cancelled    boolean NOT NULL DEFAULT false,
    reason       text,
    cancelled_by uuid,
    cancelled_at timestamptz,
    version      bigint NOT NULL,
    -- Issue 17: the share stops showing at this instant (NULL: never); readers
    -- compare it with their own instant, nothing is written when it passes.
    expires_at   timestamptz
);
CREATE INDEX shares_customer ON shares (customer_id) WHERE NOT cancelled;
CREATE INDEX shares_document ON shares (document_id);
CREATE INDEX shares_folder ON shares (folder_id);
CREATE INDEX shares_provider_granted ON shares (provider_id, granted_at DESC, id DESC);

CREATE TABLE links (
    id                  uuid PRIMARY KEY,
    provider_id         uuid NOT NULL,
    document_id         uuid NOT NULL,
    token_hash          text NOT NULL UNIQUE,
    password_required   boolean NOT NULL,
    expires_at          timestamptz,
    created_by          uuid NOT NULL,
    created_at          timestamptz NOT NULL,
    cancelled           boolean NOT NULL DEFAULT false,
    reason              text,
    cancelled_by        uuid,
    cancelled_at        timestamptz,
    password_rejections integer NOT NULL DEFAULT 0,
    version             bigint NOT NULL
);
CREATE INDEX links_document ON links (document_id);

-- Opens are rows of their own, not a counter on the link: a popular link is
-- opened many times a second, and a counter would make every open update (and a
-- rebuild rewrite) the same row over and over.
CREATE TABLE link_opens (
    event_id  uuid PRIMARY KEY,
    link_id   uuid NOT NULL,
    number    integer NOT NULL,
    opened_at timestamptz NOT NULL
);
CREATE INDEX link_opens_link ON link_opens (link_id, opened_at);

CREATE TABLE downloads (
    event_id      uuid PRIMARY KEY,
    document_id   uuid NOT NULL,
    provider_id   uuid NOT NULL,
    customer_id   uuid NOT NULL,
    user_id       uuid NOT NULL,
    number        integer NOT NULL,
    downloaded_at timestamptz NOT NULL
);
CREATE INDEX downloads_document ON downloads (document_id, customer_id);
