package wire

// Health is the answer of GET /healthz.
type Health struct {
	Status string `json:"status"`
}
