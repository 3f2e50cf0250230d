// Package alarm evaluates alarm rules on each collection (DMS ch. 15.3):
// a rule fires once when its condition has held on a series for its
// consecutive periods, and resolves once when the condition stops holding.
// What each rule remembers between collections lives in the store, written
// in the same transaction as the alarms it raises and the notifications it
// queues, so a server restart neither fires twice nor loses a resolve.
package alarm

import (
	streamplane "github.com/streamplane/streamplane"
)

// Transition is what one evaluation does to a rule on a series.
type Transition int

const (
	Hold    Transition = iota // nothing to tell
	Fire                      // the condition held for the rule's periods: a new alarm
	Resolve                   // the condition stopped holding on a firing alarm
)

// Step evaluates one value of a series against a rule, given the series'
// state before it, and returns the state after it and the transition.
// A state with no breaches and no alarm is the empty state: the store
// need not keep it.
func Step(rule *streamplane.AlarmRule, prev streamplane.AlarmState, value float64) (streamplane.AlarmState, Transition) {
	next := prev
	if !rule.Breached(value) {
		next.Breaches = 0
		if prev.AlarmID != "" {
			next.AlarmID = ""
			return next, Resolve
		}
		return next, Hold
	}
	next.Breaches = min(prev.Breaches+1, rule.Periods)
	if prev.AlarmID == "" && next.Breaches >= rule.Periods {
		return next, Fire
	}
	return next, Hold
}

// empty says whether a state need not be kept.
func empty(s streamplane.AlarmState) bool { return s.Breaches == 0 && s.AlarmID == "" }
