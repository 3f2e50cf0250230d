-- Security settings of an instance (SPEC §5) and its SASL users. User
-- passwords are never stored: Kafka keeps SCRAM credentials, and a PLAIN
-- user's salted hash is kept sealed.
ALTER TABLE instances ADD COLUMN security_protocol TEXT NOT NULL DEFAULT 'PLAINTEXT';
ALTER TABLE instances ADD COLUMN sasl_mechanisms TEXT NOT NULL DEFAULT '[]';
ALTER TABLE instances ADD COLUMN kafka_user TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN public_access INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN mutual_tls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instances ADD COLUMN custom_certificate INTEGER NOT NULL DEFAULT 0;

CREATE TABLE kafka_users (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    initial     INTEGER NOT NULL,
    plain_hash  BLOB,                -- sealed; NULL without PLAIN
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, name)
);
