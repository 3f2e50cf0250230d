package console

import (
	"math"
	"slices"

	streamplane "github.com/streamplane/streamplane"
)

// topicHealth is Kafka Manager's (CMAK's) topic summary, computed as its
// TopicIdentity does: the share of partitions led by their preferred
// replica, of under-replicated partitions, of the cluster's brokers that
// hold the topic, and of those brokers holding more than their share.
// Per-broker counts come from the ISR, as CMAK's do, so a broker that fell
// out of sync stops counting.
type topicHealth struct {
	Partitions   int
	Replicas     int // the replication factor
	Brokers      int // brokers in the cluster
	TopicBrokers int // brokers in some partition's ISR

	PreferredReplicas int // percent of partitions led by replicas[0]
	UnderReplicated   int // percent of partitions whose ISR is smaller than their replica set
	BrokersSpread     int // percent of the cluster's brokers holding the topic
	BrokersSkewed     int // percent of the topic's brokers holding more than their share
	LeadersSkewed     int // the same for leaderships

	ByBroker []brokerShare
}

// brokerShare is one broker's part of a topic ("partitions by broker").
type brokerShare struct {
	Broker       int
	Partitions   []int // partitions whose ISR holds the broker
	Leaders      int
	Skewed       bool // more partitions than ceil(partitions × replicas ÷ topic brokers)
	LeaderSkewed bool // more leaderships than ceil(partitions ÷ topic brokers)
	Known        bool // a broker of the instance (an ISR may name one that is gone)
}

// gauge is one figure of the summary with the colour CMAK gives it.
type gauge struct {
	Name    string
	Percent int
	Level   string // badge class: ok, busy, bad
	Word    string // the level in words, so it is not told by colour alone
	Hint    string
}

// newTopicHealth computes the summary of a topic on an instance's brokers.
func newTopicHealth(d *streamplane.TopicDetail, brokers []streamplane.Broker) topicHealth {
	h := topicHealth{Partitions: len(d.Partitions), Replicas: d.Topic.Replicas}
	if h.Replicas == 0 && len(d.Partitions) > 0 {
		h.Replicas = len(d.Partitions[0].Replicas)
	}
	known := map[int]bool{}
	for _, b := range brokers {
		if b.State == streamplane.BrokerDeleted || (len(b.Roles) > 0 && !slices.Contains(b.Roles, streamplane.RoleBroker)) {
			continue
		}
		known[b.ID] = true
	}
	h.Brokers = len(known)

	shares := map[int]*brokerShare{}
	share := func(id int) *brokerShare {
		s, ok := shares[id]
		if !ok {
			s = &brokerShare{Broker: id, Known: known[id]}
			shares[id] = s
		}
		return s
	}
	preferred, under := 0, 0
	for _, p := range d.Partitions {
		if len(p.Replicas) > 0 && p.Leader >= 0 && int(p.Replicas[0]) == p.Leader {
			preferred++
		}
		if len(p.ISR) != len(p.Replicas) {
			under++
		}
		for _, id := range p.ISR {
			s := share(int(id))
			s.Partitions = append(s.Partitions, p.Partition)
			if int(id) == p.Leader {
				s.Leaders++
			}
		}
	}
	h.TopicBrokers = len(shares)
	if h.Partitions > 0 {
		h.PreferredReplicas = 100 * preferred / h.Partitions
		h.UnderReplicated = 100 * under / h.Partitions
	}
	if h.Brokers > 0 {
		h.BrokersSpread = 100 * h.TopicBrokers / h.Brokers
	} else {
		h.BrokersSpread = 100
	}
	if h.TopicBrokers > 0 {
		fair := math.Ceil(float64(h.Partitions) / float64(h.TopicBrokers) * float64(h.Replicas))
		fairLeaders := math.Ceil(float64(h.Partitions) / float64(h.TopicBrokers))
		skewed, leaderSkewed := 0, 0
		for _, s := range shares {
			s.Skewed = float64(len(s.Partitions)) > fair
			s.LeaderSkewed = float64(s.Leaders) > fairLeaders
			if s.Skewed {
				skewed++
			}
			if s.LeaderSkewed {
				leaderSkewed++
			}
		}
		h.BrokersSkewed = 100 * skewed / h.TopicBrokers
		h.LeadersSkewed = 100 * leaderSkewed / h.TopicBrokers
	}
	for id := range known {
		share(id)
	}
	for _, s := range shares {
		slices.Sort(s.Partitions)
		h.ByBroker = append(h.ByBroker, *s)
	}
	slices.SortFunc(h.ByBroker, func(a, b brokerShare) int { return a.Broker - b.Broker })
	return h
}

// Gauges are the summary's figures with CMAK's colours
// (topicListContent.scala.html): spread at or below 50% red, at or below
// 75% amber; skew and under-replication above 0% amber, from 34% red.
// CMAK gives preferred replicas no colour; here anything short of 100%
// is amber, since a preferred leader election fixes it.
func (h topicHealth) Gauges() []gauge {
	return []gauge{
		level(gauge{Name: "Preferred replicas", Percent: h.PreferredReplicas, Hint: "partitions led by the first replica of their list"},
			func(p int) int {
				if p < 100 {
					return 1
				}
				return 0
			}),
		level(gauge{Name: "Brokers skewed", Percent: h.BrokersSkewed, Hint: "brokers holding more than their share of the topic's replicas"}, rising),
		level(gauge{Name: "Brokers spread", Percent: h.BrokersSpread, Hint: "brokers of the instance holding the topic"},
			func(p int) int {
				switch {
				case p <= 50:
					return 2
				case p <= 75:
					return 1
				}
				return 0
			}),
		level(gauge{Name: "Under-replicated", Percent: h.UnderReplicated, Hint: "partitions whose in-sync replicas are fewer than their replicas"}, rising),
	}
}

// rising is CMAK's scale for figures that should be 0: above 0 amber,
// from 34 red.
func rising(p int) int {
	switch {
	case p >= 34:
		return 2
	case p > 0:
		return 1
	}
	return 0
}

func level(g gauge, of func(int) int) gauge {
	g.Level = [...]string{"ok", "busy", "bad"}[of(g.Percent)]
	g.Word = [...]string{"good", "warning", "danger"}[of(g.Percent)]
	return g
}
