package kafkaruntime

// MetadataFeature is the name of Kafka's metadata.version feature.
const MetadataFeature = "metadata.version"

// metadataLevels is each release line's LATEST_PRODUCTION metadata.version
// level, read from the jars (MetadataVersion.LATEST_PRODUCTION) of 3.9.2,
// 4.0.2, 4.1.2, 4.2.0 and 4.3.1; patch releases never change it.
var metadataLevels = map[string]int{"3.9": 21, "4.0": 25, "4.1": 27, "4.2": 29, "4.3": 30}

// finalizeFeatures are the features besides metadata.version that a
// cluster freshly formatted at level has (Feature.defaultLevel in the
// jars), so a finalized upgrade ends where a new cluster starts. Features
// at level 0 are left out: they are off either way, and a release that does
// not know one refuses its name. kraft.version is never finalized: it
// turns Streamplane's static controller quorum into a dynamic one, for
// good (KAFKA-18979, KAFKA-21426).
func finalizeFeatures(level int) map[string]int16 {
	f := map[string]int16{}
	if level >= 25 { // 4.0-IV3
		f["transaction.version"], f["group.version"] = 2, 1
	}
	if level >= 27 { // 4.1-IV1
		f["eligible.leader.replicas.version"] = 1
	}
	if level >= 29 { // 4.2-IV1
		f["share.version"], f["streams.version"] = 1, 1
	}
	return f
}
