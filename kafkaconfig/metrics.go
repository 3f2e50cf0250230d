package kafkaconfig

// MetricsExporterConfig is the JMX exporter's configuration for a broker: the Kafka
// MBeans Streamplane reads, under stable Prometheus names. Scanning only
// these beans keeps a scrape cheap on brokers with many topics: the
// exporter reads every attribute of every bean it includes, and a request
// histogram's percentiles are computed at each read, so only the three
// meters per topic and the three request types the collector uses are in.
const MetricsExporterConfig = `# Written by Streamplane; changes here are overwritten.
lowercaseOutputName: true
lowercaseOutputLabelNames: true
includeObjectNames:
  - "kafka.server:type=Produce,*"
  - "kafka.server:type=Fetch,*"
  - "kafka.server:type=Request,*"
  - "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,*"
  - "kafka.server:type=BrokerTopicMetrics,name=BytesOutPerSec,*"
  - "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,*"
  - "kafka.server:type=ReplicaManager,*"
  - "kafka.server:type=socket-server-metrics,*"
  - "kafka.controller:type=KafkaController,*"
  - "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce"
  - "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=FetchConsumer"
  - "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=FetchFollower"
  - "kafka.network:type=RequestMetrics,name=RequestQueueTimeMs,request=Produce"
  - "java.lang:type=Memory"
rules:
  # Client quotas (KIP-13): bytes per second and throttling, per user and
  # client id. Kafka keeps these sensors once any quota applies.
  - pattern: 'kafka.server<type=(Produce|Fetch|Request), user=(.*), client-id=(.*)><>(byte-rate|throttle-time|request-time)'
    name: kafka_client_$4
    labels: {quota_type: "$1", user: "$2", client_id: "$3"}
    type: GAUGE
  - pattern: 'kafka.server<type=(Produce|Fetch|Request), user=(.*)><>(byte-rate|throttle-time|request-time)'
    name: kafka_client_$3
    labels: {quota_type: "$1", user: "$2", client_id: ""}
    type: GAUGE
  - pattern: 'kafka.server<type=(Produce|Fetch|Request), client-id=(.*)><>(byte-rate|throttle-time|request-time)'
    name: kafka_client_$3
    labels: {quota_type: "$1", user: "", client_id: "$2"}
    type: GAUGE
  # Traffic, per topic and in all.
  - pattern: 'kafka.server<type=BrokerTopicMetrics, name=(\w+), topic=(.+)><>Count'
    name: kafka_server_brokertopicmetrics_$1_total
    labels: {topic: "$2"}
    type: COUNTER
  - pattern: 'kafka.server<type=BrokerTopicMetrics, name=(\w+)><>Count'
    name: kafka_server_brokertopicmetrics_$1_total
    type: COUNTER
  - pattern: 'kafka.server<type=ReplicaManager, name=(\w+)><>Value'
    name: kafka_server_replicamanager_$1
    type: GAUGE
  - pattern: 'kafka.controller<type=KafkaController, name=(\w+)><>Value'
    name: kafka_controller_kafkacontroller_$1
    type: GAUGE
  - pattern: 'kafka.network<type=RequestMetrics, name=TotalTimeMs, request=(Produce|FetchConsumer|FetchFollower)><>(Count|Mean|50thPercentile|99thPercentile)'
    name: kafka_network_requestmetrics_totaltimems_$2
    labels: {request: "$1"}
    type: GAUGE
  - pattern: 'kafka.network<type=RequestMetrics, name=RequestQueueTimeMs, request=(Produce)><>Mean'
    name: kafka_network_requestmetrics_requestqueuetimems_mean
    labels: {request: "$1"}
    type: GAUGE
  - pattern: 'kafka.server<type=socket-server-metrics, listener=(\w+), networkProcessor=(\d+)><>connection-count'
    name: kafka_server_socket_server_metrics_connection_count
    labels: {listener: "$1", network_processor: "$2"}
    type: GAUGE
  # Network bytes by listener: the public listener's traffic, and all of it.
  - pattern: 'kafka.server<type=socket-server-metrics, listener=(\w+), networkProcessor=(\d+)><>incoming-byte-total'
    name: kafka_server_socket_server_metrics_incoming_byte_total
    labels: {listener: "$1", network_processor: "$2"}
    type: COUNTER
  - pattern: 'kafka.server<type=socket-server-metrics, listener=(\w+), networkProcessor=(\d+)><>outgoing-byte-total'
    name: kafka_server_socket_server_metrics_outgoing_byte_total
    labels: {listener: "$1", network_processor: "$2"}
    type: COUNTER
  - pattern: 'java.lang<type=Memory><HeapMemoryUsage>(used|committed|max)'
    name: jvm_memory_heap_$1_bytes
    type: GAUGE
`
