// Package kafkaplugin is Streamplane's plugin for Kafka brokers, on every
// broker's classpath. It holds three things Kafka has no setting for:
//
//   - ClusterGuardAuthorizer (kafkaconfig.AuthorizerClass): Kafka's
//     StandardAuthorizer, except that only super users administer the
//     cluster resource whatever its ACLs, so that
//     allow.everyone.if.no.acl.found, which keeps topics without grants
//     open, never opens the cluster to clients, not even before the control
//     plane has written its ACLs.
//   - TopicPolicy (kafkaconfig.TopicPolicyClass), a CreateTopicPolicy that
//     holds topics created by clients (CreateTopics, auto creation) to the
//     API's name rule and partition limits.
//   - The SASL/PLAIN users that change live, below.
//
// Kafka's own PLAIN server reads its users from user_<name>="<password>"
// entries of the listener's JAAS configuration: passwords in clear in a
// config file, changed only by a broker restart. Kafka has no API for it
// (sasl.jaas.config is not reconfigurable on an existing listener), so this
// package ships a small plugin written against Kafka's own interface for
// it, AuthenticateCallbackHandler:
//
//   - The Java sources are embedded here. Builder.Jar builds them once with
//     Maven (kafka-clients and slf4j-api, both provided by the broker) into
//     a cache, named after a hash of the sources. The jar goes on the
//     broker's classpath next to the Kafka runtime's.
//   - The handler checks each login against a credentials file of salted
//     PBKDF2-HMAC-SHA512 hashes (HashPassword, WriteFile), which it re-reads
//     whenever the file changes. Streamplane keeps the same Credentials,
//     sealed, in its store and rewrites the file on every user change.
//   - ListenerConfig gives the broker properties that install it on a
//     listener.
//
// The file is UTF-8 text with one user per line,
// name:iterations:base64(salt):base64(hash), in padded standard base64; empty
// lines and lines starting with '#' are skipped. The hash is
// PBKDF2-HMAC-SHA512 of the password's UTF-8 bytes, as long as the stored
// hash (at most 64 bytes). For alice-secret with a 16-byte salt:
//
//	# comment
//	alice:40000:MDEyMzQ1Njc4OWFiY2RlZg==:Hr4I6iQmtlIo3biHC69Q+aq00VfXX7+b5rtzCWAM4Fb+QSwGePdAZfZV0NCK5B7HWIi2qFwQ+eFJpLckfpDrfQ==
//
// Names cannot contain ':', line breaks or NUL, nor start with '#'.
//
// A file that is missing or malformed makes the plugin log an error and
// refuse every PLAIN login until it is fixed; a read that fails half way
// keeps the users read before. Neither stops the broker.
// Removing a user or changing a password stops new logins at once;
// connections already authenticated stay open unless the listener sets
// connections.max.reauth.ms, which makes clients log in again.
package kafkaplugin
