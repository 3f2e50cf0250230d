package console

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
)

// The live tail of a topic: a page whose table the browser fills from a
// Server-Sent Events stream (app.js reads <tbody data-tail>). The stream
// polls the API for records past the offsets it has seen and sends each
// as one table row rendered by html/template, so a record's key or body
// reaches the page only escaped.
const (
	tailEvery  = time.Second      // between polls
	tailFor    = 10 * time.Minute // how long one page tails, reconnections included
	tailPage   = 100              // records one poll reads at most
	tailPingIn = 15 * time.Second // comment lines that notice a client gone quiet
)

type tailView struct {
	Instance, Topic string
	Stream          string
	Minutes         int
}

func (s *Server) handleTailPage(c *call) error {
	name, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	d, err := c.api.Topic(c.r.Context(), name, topic)
	if err != nil {
		return err
	}
	v := tailView{Instance: name, Topic: d.Topic.Name, Stream: topicURL(name, d.Topic.Name) + "/tail", Minutes: int(tailFor / time.Minute)}
	return s.render(c, http.StatusOK, "message-tail", &view{Title: "Live tail · " + topic, Section: "instances", Instance: name, Tab: "messages", Data: v})
}

// tailPosition is the stream's event id: when the tail ends, and the next
// offset of every partition. A browser that reconnects sends it back as
// Last-Event-ID, so the tail resumes where it was and still ends on time.
type tailPosition struct {
	Until time.Time
	Next  map[int32]int64
}

func (p tailPosition) String() string {
	return strconv.FormatInt(p.Until.Unix(), 10) + ";" + streamplane.FormatMessageCursor(p.Next)
}

func parseTailPosition(s string) (tailPosition, bool) {
	until, cursor, ok := strings.Cut(s, ";")
	secs, err := strconv.ParseInt(until, 10, 64)
	if !ok || err != nil {
		return tailPosition{}, false
	}
	next, err := streamplane.ParseMessageCursor(cursor)
	if err != nil || len(next) == 0 {
		return tailPosition{}, false
	}
	return tailPosition{Until: time.Unix(secs, 0), Next: next}, true
}

// handleTail streams a topic's new records as "record" events (one table
// row each) and the tail's state as "status" events, until tailFor has
// passed since the page started it or the browser goes.
func (s *Server) handleTail(c *call) error {
	ctx := c.r.Context()
	name, topic := c.r.PathValue("instance"), c.r.PathValue("topic")
	now := time.Now()
	pos, resumed := parseTailPosition(c.r.Header.Get("Last-Event-ID"))
	if resumed && !now.Before(pos.Until) {
		// 204 tells EventSource to stop reconnecting: the tail is over.
		c.w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if !resumed {
		d, err := c.api.Topic(ctx, name, topic)
		if err != nil {
			return err
		}
		pos = tailPosition{Until: now.Add(tailFor), Next: map[int32]int64{}}
		for _, p := range d.Partitions {
			pos.Next[int32(p.Partition)] = p.EndOffset
		}
	}
	if pos.Until.After(now.Add(tailFor)) {
		pos.Until = now.Add(tailFor)
	}
	rows := pageTemplates()["messages"]
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	c.w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(c.w)
	var buf bytes.Buffer
	// send writes one event; data may span lines, each its own data field.
	send := func(event, data string) error {
		buf.Reset()
		fmt.Fprintf(&buf, "event: %s\nid: %s\n", event, pos)
		for _, line := range strings.Split(data, "\n") {
			buf.WriteString("data: " + strings.TrimSuffix(line, "\r") + "\n")
		}
		buf.WriteString("\n")
		if _, err := c.w.Write(buf.Bytes()); err != nil {
			return err
		}
		return rc.Flush()
	}
	seen := 0
	if err := send("status", fmt.Sprintf("Tailing %s: new records appear at the top. Stops at %s UTC.", topic, pos.Until.UTC().Format("15:04:05"))); err != nil {
		return nil
	}
	tick := time.NewTicker(tailEvery)
	defer tick.Stop()
	end := time.NewTimer(time.Until(pos.Until))
	defer end.Stop()
	lastWrite := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-end.C:
			send("status", fmt.Sprintf("Stopped after %d minutes, %s shown. Reload the page to tail again.", int(tailFor/time.Minute), records(seen)))
			return nil
		case <-tick.C:
		}
		page, err := c.api.QueryMessages(ctx, name, streamplane.MessageQuery{Topic: topic, Cursor: streamplane.FormatMessageCursor(pos.Next), Limit: tailPage})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if send("status", "Reading the topic failed, trying again: "+apiMessage(err)) != nil {
				return nil
			}
			lastWrite = time.Now()
			continue
		}
		for _, p := range page.Partitions {
			if p.NextOffset != nil {
				pos.Next[p.Partition] = *p.NextOffset
			} else {
				pos.Next[p.Partition] = p.RangeEndOffset
			}
		}
		for _, m := range page.Messages {
			var row bytes.Buffer
			if err := rows.ExecuteTemplate(&row, "message-row", messageRow{Instance: name, M: m}); err != nil {
				s.Log.Error("console tail", "path", c.r.URL.Path, "err", err)
				send("status", "The console failed to show a record; the server's log has the detail.")
				return nil
			}
			if send("record", strings.TrimSpace(row.String())) != nil {
				return nil
			}
			seen++
			lastWrite = time.Now()
		}
		if len(page.Messages) > 0 {
			if send("status", fmt.Sprintf("%s so far; tailing until %s UTC.", records(seen), pos.Until.UTC().Format("15:04:05"))) != nil {
				return nil
			}
		} else if time.Since(lastWrite) > tailPingIn {
			if _, err := c.w.Write([]byte(": still tailing\n\n")); err != nil || rc.Flush() != nil {
				return nil
			}
			lastWrite = time.Now()
		}
	}
}

func records(n int) string {
	if n == 1 {
		return "1 record"
	}
	return strconv.Itoa(n) + " records"
}
