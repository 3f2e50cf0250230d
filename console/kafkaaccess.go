package console

// Kafka-side access of an instance: its SASL users, topic grants, quotas,
// certificates, public access and mutual TLS.
var kafkaAccessPages = []page{}
