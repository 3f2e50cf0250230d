-- Per-broker advertised addresses (issue 9): NAT or DNS names clients use
-- instead of the broker's own address, by client listener.
ALTER TABLE brokers ADD COLUMN advertised TEXT NOT NULL DEFAULT '{}';
