// Package kafkaruntime knows which Apache Kafka versions Streamplane can run
// and puts their jars on this machine.
//
// The catalog (Catalog, Lookup, Recommended) lives in code: versions, dates,
// the logging backend each release needs and the sha256 of its key jars.
// A Cache installs a release by asking Maven to resolve kafka_2.13,
// kafka-tools, connect-mirror and the logging backend into one directory,
// then checks the key jars against the catalog and writes a manifest. The
// logging backend has to be listed explicitly: Kafka declares it compileOnly
// (3.9: reload4j; 4.x: log4j2), so a plain dependency resolve gives a
// classpath with no SLF4J binding and brokers that log nothing.
//
// FromDistribution is the other way in: an unpacked Apache Kafka
// distribution that an operator already has.
//
// Installing needs Java 17+ and Maven; a missing one is a *RequirementError
// that says what to install.
package kafkaruntime
