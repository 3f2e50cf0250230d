package collector

import "time"

// counters turns the cumulative counters brokers export into per-second
// rates between two collections. A counter is known by its series and its
// source (a broker: topics are counted on every broker that leads one).
type counters struct {
	last map[counterKey]reading
}

type counterKey struct {
	instance string
	source   int
	name     string
	label    string
}

type reading struct {
	value float64
	at    time.Time
}

func newCounters() *counters { return &counters{last: map[counterKey]reading{}} }

// rate records a counter's value and returns its rate since the previous
// reading; ok is false for the first reading. A counter that went down was
// reset by a broker restart within the period: what it counts now was all
// counted since then, so value/elapsed is the rate's best lower bound.
func (c *counters) rate(k counterKey, value float64, at time.Time) (float64, bool) {
	prev, seen := c.last[k]
	c.last[k] = reading{value, at}
	if !seen {
		return 0, false
	}
	elapsed := at.Sub(prev.at).Seconds()
	if elapsed <= 0 {
		return 0, false
	}
	if value < prev.value {
		return value / elapsed, true
	}
	return (value - prev.value) / elapsed, true
}

// forget drops the readings of instances not collected this round
// (deleted ones) and of sources not seen for a while.
func (c *counters) forget(keep func(k counterKey, r reading) bool) {
	for k, r := range c.last {
		if !keep(k, r) {
			delete(c.last, k)
		}
	}
}
