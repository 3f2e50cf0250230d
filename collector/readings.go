package collector

import (
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/metrics"
)

// observation is everything read about one instance in one round: the
// input of the pure step that turns readings into samples.
type observation struct {
	inst *streamplane.Instance
	at   time.Time
	// jmx holds each broker's exporter samples; a broker whose exporter did
	// not answer is missing.
	jmx map[int][]metrics.Sample
	// kafka is nil when no admin connection could be made.
	kafka *kafkaadmin.Readings
	// procs holds each broker process's CPU and memory, when readable.
	procs map[int]procStat
	// loadPerCore is the host's load per CPU, -1 if unknown.
	loadPerCore float64
	// storageUnit is the bytes in one unit of storage_gb_per_broker.
	storageUnit int64
}

// The exporter's names for what the collector reads (provision/local/metrics.go).
const (
	jmxTopicCounter    = "kafka_server_brokertopicmetrics_"
	jmxBytesIn         = "kafka_server_brokertopicmetrics_bytesinpersec_total"
	jmxBytesOut        = "kafka_server_brokertopicmetrics_bytesoutpersec_total"
	jmxMessagesIn      = "kafka_server_brokertopicmetrics_messagesinpersec_total"
	jmxRequestMean     = "kafka_network_requestmetrics_totaltimems_mean"
	jmxQueueTimeMean   = "kafka_network_requestmetrics_requestqueuetimems_mean"
	jmxConnections     = "kafka_server_socket_server_metrics_connection_count"
	jmxNetIn           = "kafka_server_socket_server_metrics_incoming_byte_total"
	jmxNetOut          = "kafka_server_socket_server_metrics_outgoing_byte_total"
	jmxHeapUsed        = "jvm_memory_heap_used_bytes"
	jmxHeapMax         = "jvm_memory_heap_max_bytes"
	jmxUnderReplicated = "kafka_server_replicamanager_underreplicatedpartitions"
	jmxUnderMinISR     = "kafka_server_replicamanager_underminisrpartitioncount"
	jmxActiveCtrl      = "kafka_controller_kafkacontroller_activecontrollercount"
)

// keepJMX selects the exporter samples the collector reads.
func keepJMX(name string) bool {
	switch name {
	case jmxBytesIn, jmxBytesOut, jmxMessagesIn, jmxRequestMean, jmxQueueTimeMean, jmxConnections,
		jmxNetIn, jmxNetOut, jmxHeapUsed, jmxHeapMax, jmxUnderReplicated, jmxUnderMinISR, jmxActiveCtrl:
		return true
	}
	return false
}
