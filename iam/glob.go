package iam

// match reports whether s matches pattern, in which '*' stands for any run
// of characters (none included) and every other byte for itself. It is the
// one wildcard of actions, resources and StringLike conditions. It runs in
// O(len(pattern)·len(s)) at worst: on a mismatch it only moves the last
// star's match on by one byte, never back.
func match(pattern, s string) bool {
	p, i := 0, 0
	star, from := -1, 0 // the last '*' seen in pattern, and where in s its run ends
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, from = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			from++
			p, i = star+1, from
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
