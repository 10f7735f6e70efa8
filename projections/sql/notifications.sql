
CREATE TABLE settings (from_position bigint NOT NULL);
CREATE TABLE companies (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (
    id         uuid PRIMARY KEY,
    company_id uuid NOT NULL,
    email      text NOT NULL,
    role       text NOT NULL,
    active     boolean NOT NULL,
    version    bigint NOT NULL
);
CREATE INDEX users_company ON users (company_id);
CREATE TABLE customers (id uuid PRIMARY KEY, provider_id uuid NOT NULL, company_id uuid NOT NULL, company_name text NOT NULL);
CREATE TABLE items (id uuid PRIMARY KEY, name text NOT NULL);

CREATE TABLE customer_access (
    id                uuid PRIMARY KEY,
    provider_id       uuid NOT NULL,
    status            text NOT NULL,
    documents_enabled boolean,
    version           bigint NOT NULL
);
CREATE TABLE provider_defaults (id uuid PRIMARY KEY, documents_enabled boolean NOT NULL, version bigint NOT NULL);
CREATE TABLE document_versions (
    document_id uuid NOT NULL,
    number      integer NOT NULL,
    hidden      boolean NOT NULL,
    version     bigint NOT NULL,
    PRIMARY KEY (document_id, number)
);
