package console

// pager is a list's position for the "pager" partial.
type pager struct {
	Base                          string // the list's path and query, ending in ? or &
	Offset, Limit, Prev, From, To int
	Total                         int
}

func newPager(base string, offset, limit, shown, total int) pager {
	p := pager{Base: base, Offset: offset, Limit: limit, Total: total, Prev: max(offset-limit, 0), From: offset + 1, To: offset + shown}
	if shown == 0 {
		p.From = offset
	}
	return p
}
