package service

import streamplane "github.com/streamplane/streamplane"

// Batch changes (topic and group deletion) give each item its own outcome,
// kadm-style: one refused item does not stop the others.

// outcome is one item's outcome of a batch, as a task keeps it.
type outcome struct {
	Name  string             `json:"name"`
	Error *streamplane.Error `json:"error,omitempty"`
}

func outcomeError(err error) *streamplane.Error {
	if err == nil {
		return nil
	}
	e := &streamplane.Error{Code: streamplane.ErrorCode(err), Message: streamplane.ErrorMessage(err)}
	if e.Code == streamplane.EINTERNAL {
		e.Message = err.Error()
	}
	if app, ok := err.(*streamplane.Error); ok {
		e.Field = app.Field
	}
	return e
}

// uniqueNames drops repeated names, keeping the first of each in order.
func uniqueNames(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// batchOutcomes reads the outcomes a batch change's task saved, one per
// item asked (want). t and err are what change returned: no task means the
// request was refused or is still running; a task that failed before
// deciding every outcome fails the request as a whole.
func batchOutcomes(t *streamplane.Task, err error, want int, noun string) ([]outcome, error) {
	if t == nil {
		return nil, err
	}
	var st struct {
		Outcomes []outcome `json:"outcomes"`
	}
	if serr := taskState(t, &st); serr != nil {
		return nil, serr
	}
	if len(st.Outcomes) != want {
		if err == nil {
			err = streamplane.Errorf(streamplane.EINTERNAL, "task %s ended without the %s' outcomes", t.ID, noun)
		}
		return nil, err
	}
	return st.Outcomes, nil
}
