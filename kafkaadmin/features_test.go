package kafkaadmin

import "testing"

// FinalizedFeatures asks a broker with a request the broker accepts (v3+
// names its client, KIP-511), and reads the answer's features.
func TestFinalizedFeatures(t *testing.T) {
	c, _ := fakeClient(t)
	f, err := c.FinalizedFeatures(testContext(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Finalized == nil {
		t.Fatal("no feature map")
	}
}
