package membership

import "hash/fnv"

// Owner is the server, among those live, that should watch an instance:
// the one whose hash with the instance is highest (rendezvous hashing).
// Every server computes the same answer from the same list, and when a
// server comes or goes only the instances it gains or loses move.
func Owner(instanceID string, servers []string) string {
	best, bestScore := "", uint64(0)
	for _, s := range servers {
		h := fnv.New64a()
		h.Write([]byte(s))
		h.Write([]byte{0})
		h.Write([]byte(instanceID))
		if score := mix(h.Sum64()); best == "" || score > bestScore || (score == bestScore && s < best) {
			best, bestScore = s, score
		}
	}
	return best
}

// mix spreads FNV's bits (splitmix64's finalizer): ids that differ in one
// character must not score alike.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
