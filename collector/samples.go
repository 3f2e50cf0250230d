package collector

import (
	"slices"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

// The listener names of kafkaconfig, as the exporter labels connections
// and network bytes with them.
const (
	listenerPrivate = "PRIVATE"
	listenerPublic  = "PUBLIC"
)

// lastSeen is what the previous round saw of a broker's process: a
// different pid or more restarts now mean it went down in between.
type brokerKey struct {
	instance string
	broker   int
}

type lastSeen struct {
	pid      int
	restarts int
}

// samples turns one round's readings of an instance into samples of the
// catalog. counters and seen carry state between rounds.
func samples(o observation, ctr *counters, seen map[brokerKey]lastSeen) []streamplane.Sample {
	var out []streamplane.Sample
	id := o.inst.ID
	add := func(k streamplane.SeriesKey, v float64) { out = append(out, streamplane.Sample{Key: k, Value: v}) }
	flavor, _ := streamplane.LookupFlavor(o.inst.Flavor)

	topicRates := map[string]map[string]float64{} // metric -> topic -> sum over brokers
	activeControllers, controllersSeen := 0.0, false
	for i := range o.inst.Brokers {
		b := &o.inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		bk := func(metric string) streamplane.SeriesKey { return streamplane.BrokerSeries(id, metric, b.ID) }
		jmx, scraped := o.jmx[b.ID]
		add(bk("broker_alive"), boolValue(alive(o, b, scraped, seen)))
		if !scraped {
			continue
		}
		rate := func(name, label string, v float64) (float64, bool) {
			return ctr.rate(counterKey{instance: id, source: b.ID, name: name, label: label}, v, o.at)
		}
		var connections, netIn, netOut, publicIn, publicOut float64
		netRated := false // network counters give rates from the second round on
		var heapUsed, heapMax float64
		for _, s := range jmx {
			switch s.Name {
			case jmxBytesIn, jmxBytesOut, jmxMessagesIn:
				metric := map[string]string{jmxBytesIn: "bytes_in_rate", jmxBytesOut: "bytes_out_rate", jmxMessagesIn: "messages_in_rate"}[s.Name]
				topic := s.Labels["topic"]
				r, ok := rate(s.Name, topic, s.Value)
				if !ok {
					continue
				}
				if topic == "" {
					add(bk("broker_"+metric), r)
				} else {
					if topicRates[metric] == nil {
						topicRates[metric] = map[string]float64{}
					}
					topicRates[metric][topic] += r
				}
			case jmxRequestMean:
				switch s.Labels["request"] {
				case "Produce":
					add(bk("broker_produce_mean"), s.Value)
				case "FetchConsumer":
					add(bk("broker_fetch_mean"), s.Value)
				}
			case jmxQueueTimeMean:
				add(bk("broker_request_queue_time"), s.Value)
			case jmxConnections:
				if l := s.Labels["listener"]; l == listenerPrivate || l == listenerPublic {
					connections += s.Value
				}
			case jmxNetIn, jmxNetOut:
				label := s.Labels["listener"] + "/" + s.Labels["network_processor"]
				r, ok := rate(s.Name, label, s.Value)
				if !ok {
					continue
				}
				netRated = true
				public := s.Labels["listener"] == listenerPublic
				if s.Name == jmxNetIn {
					netIn += r
					if public {
						publicIn += r
					}
				} else {
					netOut += r
					if public {
						publicOut += r
					}
				}
			case jmxHeapUsed:
				heapUsed = s.Value
			case jmxHeapMax:
				heapMax = s.Value
			case jmxUnderReplicated:
				add(bk("broker_under_replicated_partitions"), s.Value)
			case jmxUnderMinISR:
				add(bk("broker_under_min_isr_partitions"), s.Value)
			case jmxActiveCtrl:
				activeControllers += s.Value
				controllersSeen = true
			}
		}
		add(bk("broker_connections"), connections)
		if netRated {
			add(bk("broker_total_bytes_in_rate"), netIn)
			add(bk("broker_total_bytes_out_rate"), netOut)
			if o.inst.PublicAccess {
				add(bk("broker_public_bytes_in_rate"), publicIn)
				add(bk("broker_public_bytes_out_rate"), publicOut)
			}
		}
		if heapMax > 0 {
			add(bk("broker_heap_usage"), 100*heapUsed/heapMax)
		}
		if p, ok := o.procs[b.ID]; ok {
			if r, ok := rate("cpu", "", p.cpuSeconds); ok && flavor.VCPUs > 0 {
				add(bk("broker_cpu_usage"), 100*r/float64(flavor.VCPUs))
			}
			if flavor.MemoryGB > 0 {
				add(bk("broker_memory_usage"), 100*float64(p.rssBytes)/float64(int64(flavor.MemoryGB)<<30))
			}
		}
		if o.loadPerCore >= 0 {
			add(bk("broker_cpu_core_load"), o.loadPerCore)
		}
		if o.kafka != nil && o.kafka.Sizes != nil {
			if _, reported := o.kafka.Sizes[int32(b.ID)]; reported {
				used := o.kafka.Sizes.Broker(int32(b.ID))
				add(bk("broker_data_size"), float64(used))
				if total := int64(o.inst.StorageGBPerBroker) * o.storageUnit; total > 0 {
					add(bk("broker_disk_usage"), 100*float64(used)/float64(total))
				}
			}
		}
	}
	if flavor.MaxPartitionsPerBroker > 0 {
		add(streamplane.InstanceSeries(id, "instance_partition_limit"), float64(flavor.MaxPartitions(o.inst.BrokerCount)))
	}
	if controllersSeen {
		add(streamplane.InstanceSeries(id, "active_controller_count"), activeControllers)
	}
	for metric, byTopic := range topicRates {
		for topic, r := range byTopic {
			add(streamplane.TopicSeries(id, "topic_"+metric, topic), r)
		}
	}
	if o.kafka != nil {
		out = append(out, kafkaSamples(id, o.kafka)...)
	}
	return out
}

// alive says whether a broker served through the whole period: its
// exporter answered, the cluster lists it as serving, and its process is
// the one seen last round (a broker that crashed and came back between
// two rounds was down, and an alarm on it should know).
func alive(o observation, b *streamplane.Broker, scraped bool, seen map[brokerKey]lastSeen) bool {
	key := brokerKey{o.inst.ID, b.ID}
	prev, known := seen[key]
	seen[key] = lastSeen{pid: b.PID, restarts: b.Restarts}
	if !scraped {
		return false
	}
	if o.kafka == nil || o.kafka.Alive == nil || !o.kafka.Alive[int32(b.ID)] {
		return false
	}
	return !known || (prev.pid == b.PID && prev.restarts == b.Restarts)
}

// kafkaSamples is what the Admin API's readings give: instance, topic,
// partition and group levels. Kafka's internal topics are left out, as
// DMS leaves them out of its counts.
func kafkaSamples(id string, r *kafkaadmin.Readings) []streamplane.Sample {
	var out []streamplane.Sample
	add := func(k streamplane.SeriesKey, v float64) { out = append(out, streamplane.Sample{Key: k, Value: v}) }
	internal := map[string]bool{}
	if r.Topics != nil {
		topics, partitions, offline := 0, 0, 0
		for _, t := range r.Topics {
			if t.Err != nil {
				continue
			}
			if t.Internal {
				internal[t.Name] = true
			}
			for _, p := range t.Partitions {
				if p.Leader < 0 {
					offline++
				}
			}
			if t.Internal {
				continue
			}
			topics++
			partitions += len(t.Partitions)
			if r.Sizes != nil {
				var size int64
				for _, p := range t.Partitions {
					size += replicaSize(r.Sizes, t.Name, p)
				}
				add(streamplane.TopicSeries(id, "topic_data_size", t.Name), float64(size))
			}
		}
		add(streamplane.InstanceSeries(id, "current_topics"), float64(topics))
		add(streamplane.InstanceSeries(id, "current_partitions"), float64(partitions))
		add(streamplane.InstanceSeries(id, "offline_partitions"), float64(offline))
	}
	if r.Start != nil && r.End != nil {
		for topic, ends := range r.End {
			if internal[topic] || isInternalName(topic) {
				continue
			}
			var total int64
			for p, end := range ends {
				n := max(0, end-r.Start[topic][p])
				total += n
				add(streamplane.PartitionSeries(id, "partition_messages", topic, int(p)), float64(n))
			}
			add(streamplane.TopicSeries(id, "topic_messages", topic), float64(total))
		}
	}
	if r.Committed != nil && r.End != nil {
		var all int64
		for group, byTopic := range r.Committed {
			var consumed, remaining int64
			for topic, offsets := range byTopic {
				var c, lag int64
				for p, at := range offsets {
					c += at
					if end, ok := r.End[topic][p]; ok {
						lag += max(0, end-at)
					}
				}
				add(streamplane.GroupSeries(id, "messages_consumed", group, topic), float64(c))
				add(streamplane.GroupSeries(id, "messages_remained", group, topic), float64(lag))
				consumed += c
				remaining += lag
			}
			add(streamplane.GroupSeries(id, "consumer_messages_consumed", group, ""), float64(consumed))
			add(streamplane.GroupSeries(id, "consumer_messages_remaining", group, ""), float64(remaining))
			all += remaining
		}
		add(streamplane.InstanceSeries(id, "group_msgs"), float64(all))
	}
	return out
}

// replicaSize is a partition's data size: its largest replica's (a
// follower catching up holds less).
func replicaSize(sizes kafkaadmin.ReplicaSizes, topic string, p kafkaadmin.PartitionMetadata) int64 {
	var size int64
	for _, b := range p.Replicas {
		if s, ok := sizes.Replica(b, topic, p.ID); ok {
			size = max(size, s)
		}
	}
	return size
}

// isInternalName covers internal topics when metadata was not read.
func isInternalName(topic string) bool {
	return slices.Contains([]string{"__consumer_offsets", "__transaction_state", "__share_group_state"}, topic)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
